/**
 * MOCK of Electron's `process.parentPort` in a utility process, for running the real camera
 * worker as a plain Node child (child_process.fork, advanced serialization) with this file given
 * to `--import`. Electron cannot run here, and Node cannot transfer a MessagePort to another
 * process, so the ports are made inside the child: the test asks for them by name, the worker gets
 * one end (shaped like Electron's MessagePortMain: 'message' events carry `{ data }`), and the
 * other end is relayed to the test over the IPC channel.
 *
 * Test -> child:  { kind: 'control', message, ports: [names] }   a control message, with new ports
 *                 { kind: 'port', name, data }                   a message on a port's test end
 * Child -> test:  { kind: 'control', message }                   what the worker sent its parent
 *                 { kind: 'port', name, data }                   what the worker sent on a port
 *                 { kind: 'port-closed', name }                  the port's channel was closed
 */
import { EventEmitter } from 'node:events';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

type FromTest = { kind: 'control'; message: unknown; ports: string[] } | { kind: 'port'; name: string; data: unknown };

const testEnds = new Map<string, MessagePort>();
const parent = new EventEmitter();
const send = (message: object) => {
  if (process.connected) process.send!(message);
};

/** The worker's end, as Electron's MessagePortMain behaves. */
function portMain(port: MessagePort) {
  return {
    on(event: string, listener: (e?: unknown) => void) {
      if (event === 'message') port.on('message', (data) => listener({ data }));
      else port.on(event, listener);
    },
    postMessage: (message: unknown) => port.postMessage(message),
    start: () => port.start(),
    close: () => port.close(),
  };
}

function makePort(name: string) {
  const { port1, port2 } = new MessageChannel();
  port2.on('message', (data) => send({ kind: 'port', name, data }));
  port2.on('close', () => send({ kind: 'port-closed', name }));
  testEnds.set(name, port2);
  return portMain(port1);
}

(process as unknown as { parentPort: unknown }).parentPort = {
  on: (event: string, listener: (e: unknown) => void) => parent.on(event, listener),
  postMessage: (message: unknown) => send({ kind: 'control', message }),
};

process.on('message', (raw) => {
  const m = raw as FromTest;
  if (m.kind === 'control') parent.emit('message', { data: m.message, ports: m.ports.map(makePort) });
  else if (m.kind === 'port') testEnds.get(m.name)?.postMessage(m.data);
});
