/**
 * The camera worker's way to its supervisor: Electron's process.parentPort in a utility process,
 * the IPC channel of child_process.fork under Node. A Node child exits when that channel closes.
 */
import type { WorkerOutbound } from '../shared/contracts/worker';

export type Send = (message: WorkerOutbound) => void;

export interface Channel {
  send: Send;
  onMessage(listener: (data: unknown, ports: MessagePortLike[]) => void): void;
}

/** The slice of Electron's MessagePortMain / DOM MessagePort the worker uses. */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  on?(event: 'message', listener: (e: { data: unknown }) => void): void;
  on?(event: 'close', listener: () => void): void;
  addEventListener?(event: 'message', listener: (e: { data: unknown }) => void): void;
  start(): void;
  close(): void;
}

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: MessagePortLike[] }) => void): void;
  postMessage(message: unknown): void;
}

export function openChannel(): Channel {
  const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (m) => parentPort.postMessage(m),
      onMessage: (listener) => parentPort.on('message', (e) => listener(e.data, e.ports ?? [])),
    };
  }
  if (typeof process.send === 'function') {
    process.on('disconnect', () => process.exit(0));
    return {
      send: (m) => {
        if (process.connected) process.send!(m);
      },
      onMessage: (listener) => process.on('message', (m) => listener(m, [])),
    };
  }
  throw new Error('camera-worker must be started by the supervisor (utilityProcess.fork or child_process.fork)');
}
