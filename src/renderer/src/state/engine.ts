/**
 * Wires a bridge to the store: engine events in (snapshots batched per animation frame), and the
 * first state fetched whenever the connection (re)opens.
 */
import type { EngineBridge } from '../../../shared/contracts/engine-api';
import type { EngineSnapshot } from '../../../shared/contracts/engine-api';
import { WebBridge } from '../bridge/web';
import { FrameBatcher } from './schedule';
import { applySnapshot, pushNotice, store } from './store';

const REFRESH_ATTEMPTS = 8;

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
        // The engine is up: if the first fetch came too early, the model list is still missing.
        if (store.getState().models.length === 0) void refresh();
        break;
      case 'notice':
        pushNotice(event.notice);
        break;
      case 'capture-assignment':
        store.setState({ assignment: event.cameraIds });
        break;
    }
  });

  // A refused request (the engine stopping as the app quits, a transport not ready yet) is tried
  // again for a while before saying so.
  let refreshing: Promise<void> | null = null;
  const refresh = (): Promise<void> =>
    (refreshing ??= (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const [snapshot, config, models] = await Promise.all([
            bridge.request({ method: 'getSnapshot' }),
            bridge.request({ method: 'getConfig' }),
            bridge.request({ method: 'listModels' }),
          ]);
          applySnapshot(snapshot);
          store.setState({ config, models });
          return;
        } catch (err) {
          if (attempt >= REFRESH_ATTEMPTS) {
            pushNotice({ level: 'error', message: `Could not load the engine state: ${errorMessage(err)}` });
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 250 * 2 ** attempt)));
        }
      }
    })().finally(() => {
      refreshing = null;
    }));

  if (bridge instanceof WebBridge) {
    // Serve mode: a page captures only what the server assigns it; until told, nothing.
    store.setState({ assignment: [] });
    const offConnection = bridge.onConnection((connection) => {
      store.setState({ connection, connectionFailures: bridge.failures });
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
