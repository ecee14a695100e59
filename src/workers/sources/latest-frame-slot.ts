/**
 * The newest whole frame, handed from the reader thread to the camera's inference thread through
 * shared memory: a triple buffer in one SharedArrayBuffer. The writer fills its own buffer and
 * swaps it with the "middle" one (marked fresh); the reader swaps a fresh middle with its own. The
 * two never touch the same buffer, so neither waits for the other and no frame is ever torn.
 * A fresh middle replaced before it was taken is a skipped frame, counted here.
 *
 * A frame may be shorter than the slot's capacity and carry two numbers of its own (the model
 * frame followed by its picture, and the picture's size).
 *
 * Layout: a control block of Int32 (middle index | FRESH, notify flag, frames written, frames
 * replaced), then per buffer its frame number, run, time, length and two extra numbers (Float64),
 * then the buffers.
 */

const FRESH = 4;
const MIDDLE = 0;
const NOTIFY = 1;
const WRITTEN = 2;
const REPLACED = 3;
const CONTROL_BYTES = 16;
const META_FIELDS = 6; // seq, generation, decodedAt, length, extra[0], extra[1]
const META_BYTES = 3 * META_FIELDS * 8;

export interface SlotFrame {
  data: Buffer;
  seq: number;
  generation: number;
  decodedAt: number;
  extra: [number, number];
}

export class LatestFrameSlot {
  private readonly control: Int32Array;
  private readonly meta: Float64Array;
  private readonly buffers: Uint8Array[];
  /** Each side's own buffer: the writer's back buffer, the reader's front buffer. */
  private back = 0;
  private front = 2;

  /** A new slot holding frames of up to frameBytes (the reader thread's owner makes it; the writer attaches with `from`). */
  static create(frameBytes: number): LatestFrameSlot {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new Error(`frame size must be a positive integer, got ${frameBytes}`);
    const shared = new SharedArrayBuffer(CONTROL_BYTES + META_BYTES + 3 * frameBytes);
    const slot = new LatestFrameSlot(shared, frameBytes);
    Atomics.store(slot.control, MIDDLE, 1);
    return slot;
  }

  /** The same slot seen from another thread. */
  static from(shared: SharedArrayBuffer, frameBytes: number): LatestFrameSlot {
    if (shared.byteLength !== CONTROL_BYTES + META_BYTES + 3 * frameBytes) throw new Error(`a frame slot of ${shared.byteLength} bytes does not hold frames of ${frameBytes}`);
    return new LatestFrameSlot(shared, frameBytes);
  }

  private constructor(
    readonly shared: SharedArrayBuffer,
    readonly frameBytes: number,
  ) {
    this.control = new Int32Array(shared, 0, 4);
    this.meta = new Float64Array(shared, CONTROL_BYTES, 3 * META_FIELDS);
    this.buffers = [0, 1, 2].map((i) => new Uint8Array(shared, CONTROL_BYTES + META_BYTES + i * frameBytes, frameBytes));
  }

  /**
   * Writer: the frame becomes the newest. Returns true when the reader should be told (no
   * notice is outstanding); the reader clears the notice with `take`.
   */
  publish(data: Uint8Array | Uint8Array[], seq: number, generation: number, decodedAt: number, extra: [number, number] = [0, 0]): boolean {
    const parts = Array.isArray(data) ? data : [data];
    const length = parts.reduce((n, p) => n + p.byteLength, 0);
    if (length > this.frameBytes) throw new Error(`frame of ${length} bytes, the slot holds ${this.frameBytes}`);
    let at = 0;
    for (const part of parts) {
      this.buffers[this.back].set(part, at);
      at += part.byteLength;
    }
    this.meta.set([seq, generation, decodedAt, length, extra[0], extra[1]], this.back * META_FIELDS);
    const old = Atomics.exchange(this.control, MIDDLE, this.back | FRESH);
    this.back = old & ~FRESH;
    Atomics.add(this.control, WRITTEN, 1);
    if (old & FRESH) Atomics.add(this.control, REPLACED, 1);
    return Atomics.compareExchange(this.control, NOTIFY, 0, 1) === 0;
  }

  /** Reader: the newest frame not taken yet (a copy it may keep), or null. */
  take(): SlotFrame | null {
    Atomics.store(this.control, NOTIFY, 0);
    if (!(Atomics.load(this.control, MIDDLE) & FRESH)) return null;
    const old = Atomics.exchange(this.control, MIDDLE, this.front);
    this.front = old & ~FRESH;
    const at = this.front * META_FIELDS;
    const m = this.meta.subarray(at, at + META_FIELDS);
    return { data: Buffer.from(this.buffers[this.front].subarray(0, m[3])), seq: m[0], generation: m[1], decodedAt: m[2], extra: [m[4], m[5]] };
  }

  /** Frames published in all. */
  get written(): number {
    return Atomics.load(this.control, WRITTEN);
  }

  /** Frames replaced by a newer one before the reader took them. */
  get replaced(): number {
    return Atomics.load(this.control, REPLACED);
  }
}
