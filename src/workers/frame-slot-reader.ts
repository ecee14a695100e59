/**
 * The worker's side of frame slots (src/engine/frame-slots.ts): main wrote a frame's binary form
 * into slot `slot` of the file this process inherited as a descriptor; read it back, once, and
 * count it, so main learns on the next answer that the slot is free again.
 */
import { readSync } from 'node:fs';
import { FRAME_SLOT_ENV } from '../node/frame-slot-layout';

export class FrameSlotReader {
  /** Slot messages read in all: sent back on every answer as `slotsRead`. */
  count = 0;

  private constructor(
    private readonly fd: number,
    private readonly slotBytes: number,
    private readonly slots: number,
  ) {}

  /** From the environment main set; null when main gave no slot file (Electron, other platforms). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): FrameSlotReader | null {
    const spec = env[FRAME_SLOT_ENV];
    if (!spec) return null;
    const [fd, slotBytes, slots] = spec.split(':').map(Number);
    if (![fd, slotBytes, slots].every((n) => Number.isInteger(n) && n > 0)) {
      process.stderr.write(`ignoring ${FRAME_SLOT_ENV}=${spec}: expected fd:slotBytes:count\n`);
      return null;
    }
    return new FrameSlotReader(fd, slotBytes, slots);
  }

  /** The frame's bytes, or why they cannot be read. The slot counts as read either way. */
  read(slot: number, length: number): { ok: true; bytes: Uint8Array } | { ok: false; error: string } {
    this.count++;
    if (slot >= this.slots || length > this.slotBytes) return { ok: false, error: `frame slot ${slot} (${length} bytes) is outside the slot file` };
    const bytes = new Uint8Array(length);
    try {
      const got = readSync(this.fd, bytes, 0, length, slot * this.slotBytes);
      if (got !== length) return { ok: false, error: `frame slot ${slot}: read ${got} of ${length} bytes` };
    } catch (err) {
      return { ok: false, error: `frame slot ${slot}: ${(err as Error).message}` };
    }
    return { ok: true, bytes };
  }
}

/** A 'frame-slot' message's bytes; a worker without a slot file refuses it. */
export function readFrameSlot(reader: FrameSlotReader | null, msg: { slot: number; length: number }): ReturnType<FrameSlotReader['read']> {
  return reader ? reader.read(msg.slot, msg.length) : { ok: false, error: 'this worker has no frame-slot file' };
}
