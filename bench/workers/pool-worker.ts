/** The thread-pool strategy's worker thread: one interpreter, frames of its streams in arrival order. */
import { parentPort } from 'node:worker_threads';
import { createHost, type HostFrame, type HostInit } from './host';

if (!parentPort) throw new Error('start this with new Worker()');
const port = parentPort;
const handle = createHost((m) => port.postMessage(m));
port.on('message', (m) => handle(m as HostInit | HostFrame));
