/** A camera's state in words, combining the engine's view with this page's capture. */
import type { CameraStatus } from '../../../shared/contracts/engine-api';
import type { CaptureStatus, ConnectionState } from '../state/store';

export type TileState = 'starting' | 'running' | 'connecting' | 'no-signal' | 'restarting' | 'error' | 'disconnected' | 'waiting' | 'stopped';

export interface TileStateText {
  state: TileState;
  text: string;
  busy: boolean;
}

export function describeCamera(
  status: CameraStatus,
  capture: CaptureStatus | undefined,
  connection: ConnectionState,
  hasResult: boolean,
): TileStateText {
  if (connection !== 'open') return { state: 'disconnected', text: 'disconnected from the engine; reconnecting…', busy: true };
  switch (status.state) {
    case 'starting':
      return { state: 'starting', text: `starting: loading ${status.model}…`, busy: true };
    case 'restarting': {
      const wait = status.nextRestartAt ? Math.max(0, Math.ceil((status.nextRestartAt - Date.now()) / 1000)) : null;
      const why = status.error ?? 'worker restarting';
      return { state: 'restarting', text: `restarting: ${why}${wait ? ` (next try in ${wait} s)` : ''}`, busy: true };
    }
    case 'error':
      return { state: 'error', text: `error: ${status.error ?? 'unknown error'}`, busy: false };
    case 'connecting':
      return { state: 'connecting', text: 'connecting to the camera…', busy: true };
    case 'no-signal':
      return {
        state: 'no-signal',
        text: `no signal: ${status.error ?? 'no picture from the camera'}; retrying${status.reconnects ? ` (${status.reconnects} reconnects)` : ''}`,
        busy: true,
      };
    case 'stopped':
      return { state: 'stopped', text: 'stopped', busy: false };
    case 'running':
      break;
  }
  switch (capture?.state) {
    case 'disconnected':
      return { state: 'disconnected', text: `disconnected: ${capture.message ?? 'camera unplugged'}`, busy: false };
    case 'permission-denied':
      return { state: 'error', text: `error: ${capture.message ?? 'camera access denied'}`, busy: false };
    case 'source-missing':
    case 'error':
      return { state: 'error', text: `error: ${capture.message ?? 'source unavailable'}`, busy: false };
    case 'not-assigned':
      return { state: 'running', text: 'running (captured in another window)', busy: false };
    case 'idle':
      if (status.source.kind === 'external') return { state: 'running', text: 'running (frames from an external source)', busy: false };
      break;
    default:
      break;
  }
  if (!hasResult) return { state: 'waiting', text: 'running: waiting for frames…', busy: true };
  return { state: 'running', text: 'running', busy: false };
}
