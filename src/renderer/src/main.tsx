import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { startGate, watchSession } from './account/gate';
import { LoginPage } from './account/LoginPage';
import { createBridge, WebBridge } from './bridge';
import { CaptureManager } from './capture/manager';
import { App } from './components/App';
import { EngineContext } from './context';
import { connectEngine } from './state/engine';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

// Serve mode asks who this page is before it connects: the app, or the sign-in form.
void startGate().then((gate) => {
  if (gate.kind !== 'app') {
    createRoot(root).render(
      <StrictMode>
        <LoginPage mode={gate} />
      </StrictMode>,
    );
    return;
  }
  const bridge = createBridge();
  connectEngine(bridge);
  const captures = new CaptureManager(bridge);
  if (gate.account?.via === 'session' && bridge instanceof WebBridge) watchSession((listener) => bridge.onConnection(listener));
  createRoot(root).render(
    <StrictMode>
      <EngineContext.Provider value={{ bridge, captures, account: gate.account }}>
        <App />
      </EngineContext.Provider>
    </StrictMode>,
  );
});
