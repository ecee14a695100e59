/**
 * Transport probe: answers every message at once with the reply it was given at start, over the
 * same child_process IPC (advanced serialization) the camera worker uses. No parsing, no work,
 * except that a 'frame-slot' message's bytes are read from the frame-slot file as the worker does,
 * and, when set-reply gives `spinMs`, a busy wait of that long per message: a stand-in for an
 * inference of that length (the message ceiling, bench/lib/ceiling.ts).
 */
import { FrameSlotReader } from '../../src/workers/frame-slot-reader';

const slots = FrameSlotReader.fromEnv();
if (typeof process.send !== 'function') throw new Error('start this with child_process.fork');
process.on('disconnect', () => process.exit(0));
let reply: unknown = null;
let spinMs = 0;
process.on('message', (m: { type?: string; reply?: unknown; spinMs?: number }) => {
  if (m && m.type === 'set-reply') {
    reply = m.reply;
    spinMs = m.spinMs ?? 0;
    process.send!({ type: 'ok' });
    return;
  }
  if (m && m.type === 'frame-slot' && slots) {
    const { slot, length } = m as unknown as { slot: number; length: number };
    if (!slots.read(slot, length).ok) throw new Error('frame slot read failed');
  }
  if (spinMs > 0) {
    const until = performance.now() + spinMs;
    while (performance.now() < until);
  }
  process.send!(reply);
});
