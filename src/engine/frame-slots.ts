/**
 * Frame slots: the pixels of a forwarded frame go to a Node worker through a small file in
 * /dev/shm (memory, not disk) instead of inside the IPC message.
 *
 * Why: on the serve path the frame's bytes are only carried by main. Inside an IPC message they
 * are copied into V8's serializer, written into the pipe in pieces and put together again on the
 * other side; the bench measured that as most of a frame's cost outside inference (docs/bench.md).
 * Here main writes the bytes once (pwrite) into one of a few fixed slots and sends a small
 * message naming the slot; the worker reads them once (pread).
 *
 * Safety: a slot is never written again before the worker has read it. The worker counts the
 * slot messages it has read and says so on its answer to each frame (`slotsRead`); main uses slot
 * k mod SLOTS for its k-th slot message only while fewer than SLOTS are unread. When every slot is
 * taken, or the frame is larger than a slot, the frame goes inline as before ('frame-bytes').
 *
 * The file is unlinked as soon as it is open: only this process and its worker (which inherits
 * the descriptor as fd 4) hold it, and it disappears with them whatever way they end.
 */
import { closeSync, existsSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { FRAME_SLOT_BYTES, FRAME_SLOT_COUNT, FRAME_SLOT_ENV, FRAME_SLOT_FD } from '../node/frame-slot-layout';

export { FRAME_SLOT_BYTES, FRAME_SLOT_COUNT, FRAME_SLOT_ENV, FRAME_SLOT_FD };

const SHM = '/dev/shm';

export interface SlotRef {
  slot: number;
  length: number;
}

export class FrameSlots {
  private written = 0;
  private read = 0;
  private closed = false;
  /** Frames that went inline because every slot was taken (for tests and stats). */
  inline = 0;

  private constructor(readonly fd: number) {}

  /** Slots where the platform has a memory file system (Linux); null elsewhere or on any error. */
  static create(): FrameSlots | null {
    if (process.platform !== 'linux' || process.env.MULTICAM_NO_FRAME_SLOTS === '1' || !existsSync(SHM)) return null;
    const file = path.join(SHM, `multicam-frames-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      const fd = openSync(file, 'w+', 0o600);
      unlinkSync(file);
      return new FrameSlots(fd);
    } catch {
      return null;
    }
  }

  /** What the worker's environment gets. */
  get env(): Record<string, string> {
    return { [FRAME_SLOT_ENV]: `${FRAME_SLOT_FD}:${FRAME_SLOT_BYTES}:${FRAME_SLOT_COUNT}` };
  }

  /** Writes the frame into a free slot; null when none is free (send it inline). */
  write(bytes: Uint8Array): SlotRef | null {
    if (this.closed || bytes.byteLength > FRAME_SLOT_BYTES || this.written - this.read >= FRAME_SLOT_COUNT) {
      this.inline++;
      return null;
    }
    const slot = this.written % FRAME_SLOT_COUNT;
    try {
      writeSync(this.fd, bytes, 0, bytes.byteLength, slot * FRAME_SLOT_BYTES);
    } catch {
      this.inline++;
      return null;
    }
    this.written++;
    return { slot, length: bytes.byteLength };
  }

  /** The worker has read this many slot messages in all. A count from the future is ignored. */
  released(slotsRead: number): void {
    if (slotsRead > this.read && slotsRead <= this.written) this.read = slotsRead;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
