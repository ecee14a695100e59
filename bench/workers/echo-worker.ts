/**
 * Transport probe: answers every message at once with the reply it was given at start, over the
 * same child_process IPC (advanced serialization) the camera worker uses. No parsing, no work.
 */
if (typeof process.send !== 'function') throw new Error('start this with child_process.fork');
process.on('disconnect', () => process.exit(0));
let reply: unknown = null;
process.on('message', (m: { type?: string; reply?: unknown }) => {
  if (m && m.type === 'set-reply') {
    reply = m.reply;
    process.send!({ type: 'ok' });
    return;
  }
  process.send!(reply);
});
