/**
 * Transport probe: answers every message at once with the reply it was given at start, over the
 * same child_process IPC (advanced serialization) the camera worker uses. No parsing, no work,
 * except that a 'frame-slot' message's bytes are read from the frame-slot file as the worker does.
 */
import { FrameSlotReader } from '../../src/workers/frame-slot-reader';

const slots = FrameSlotReader.fromEnv();
if (typeof process.send !== 'function') throw new Error('start this with child_process.fork');
process.on('disconnect', () => process.exit(0));
let reply: unknown = null;
process.on('message', (m: { type?: string; reply?: unknown }) => {
  if (m && m.type === 'set-reply') {
    reply = m.reply;
    process.send!({ type: 'ok' });
    return;
  }
  if (m && m.type === 'frame-slot' && slots) {
    const { slot, length } = m as unknown as { slot: number; length: number };
    if (!slots.read(slot, length).ok) throw new Error('frame slot read failed');
  }
  process.send!(reply);
});
