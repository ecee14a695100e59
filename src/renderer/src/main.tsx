import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { createBridge } from './bridge';
import { CaptureManager } from './capture/manager';
import { App } from './components/App';
import { EngineContext } from './context';
import { connectEngine } from './state/engine';

const bridge = createBridge();
connectEngine(bridge);
const captures = new CaptureManager(bridge);

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <EngineContext.Provider value={{ bridge, captures }}>
      <App />
    </EngineContext.Provider>
  </StrictMode>,
);
