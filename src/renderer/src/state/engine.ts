/**
 * Wires a bridge to the store: engine events in (snapshots batched per animation frame), and the
 * first state fetched whenever the connection (re)opens.
 */
import type { EngineBridge } from '../../../shared/api';
import type { EngineSnapshot } from '../../../shared/protocol';
import { WebBridge } from '../bridge/web';
import { FrameBatcher } from './schedule';
import { applySnapshot, pushNotice, store } from './store';

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function connectEngine(bridge: EngineBridge): () => void {
  const snapshots = new FrameBatcher<'snapshot', EngineSnapshot>((batch) => {
    const snapshot = batch.get('snapshot');
    if (snapshot) applySnapshot(snapshot);
  });

  const offEvent = bridge.onEvent((event) => {
    switch (event.type) {
      case 'snapshot':
        snapshots.push('snapshot', event.snapshot);
        break;
      case 'config':
        store.setState({ config: event.config });
        break;
      case 'notice':
        pushNotice(event.notice);
        break;
      case 'capture-assignment':
        store.setState({ assignment: event.cameraIds });
        break;
    }
  });

  const refresh = async (): Promise<void> => {
    try {
      const [snapshot, config, models] = await Promise.all([
        bridge.request({ method: 'getSnapshot' }),
        bridge.request({ method: 'getConfig' }),
        bridge.request({ method: 'listModels' }),
      ]);
      applySnapshot(snapshot);
      store.setState({ config, models });
    } catch (err) {
      pushNotice({ level: 'error', message: `Could not load the engine state: ${errorMessage(err)}` });
    }
  };

  if (bridge instanceof WebBridge) {
    // Serve mode: a page captures only what the server assigns it; until told, nothing.
    store.setState({ assignment: [] });
    const offConnection = bridge.onConnection((connection) => {
      store.setState({ connection });
      if (connection === 'open') void refresh();
    });
    return () => {
      offEvent();
      offConnection();
    };
  }
  store.setState({ connection: 'open', assignment: null });
  void refresh();
  return offEvent;
}
