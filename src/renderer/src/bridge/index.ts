/** Picks the bridge at start: the desktop app's preload API when present, else serve mode's WebSocket. */
import type { EngineBridge } from '../../../shared/contracts/engine-api';
import { createElectronBridge } from './electron';
import { WebBridge } from './web';

export function createBridge(): EngineBridge {
  if (window.multicam) return createElectronBridge(window.multicam);
  return WebBridge.fromLocation(window.location);
}

export { WebBridge };
