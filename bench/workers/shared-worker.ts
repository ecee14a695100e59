/** The shared-lock strategy's worker process: one interpreter for every stream, behind a mutex. */
import { createHost, type HostFrame, type HostInit } from './host';

if (typeof process.send !== 'function') throw new Error('start this with child_process.fork');
process.on('disconnect', () => process.exit(0));
const handle = createHost((m) => {
  if (process.connected) process.send!(m);
});
process.on('message', (m) => handle(m as HostInit | HostFrame));
