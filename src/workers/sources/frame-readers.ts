/**
 * Turning ffmpeg's pipes into frames.
 *
 * RawFrameReader takes exactly width x height x 3 bytes per frame, never a partial one. Live
 * (the default): complete frames land in a one-frame slot that is handed on from setImmediate,
 * after the pipe's pending data has been read: while the consumer was busy (an inference is
 * synchronous) several frames may complete, and only the newest is handed on; the others are
 * counted as skipped. Pull (a file read as fast as it can be used): every frame is kept in order
 * and handed on only when the consumer asks for one (`want`); `backlog` tells the source to stop
 * reading the pipe, so ffmpeg waits instead of decoding frames nobody will use.
 *
 * JpegSplitter cuts ffmpeg's MJPEG output (JPEG after JPEG, nothing between) at the end-of-image
 * marker. Inside a JPEG's entropy-coded data 0xFF is always followed by 0x00 or a restart marker,
 * so FF D9 only ends an image.
 */

export interface RawFrame {
  data: Buffer;
  /** Index of the frame in this ffmpeg run: 0, 1, 2... */
  seq: number;
}

export class RawFrameReader {
  private current: Buffer;
  private filled = 0;
  private nextSeq = 0;
  private slot: RawFrame | null = null;
  private scheduled = false;
  /** Pull mode: frames read and not yet handed on, and how many the consumer still wants. */
  private readonly queue: RawFrame[] = [];
  private wanted = 1;
  /** Complete frames read, and those replaced by a newer one before they were handed on. */
  frames = 0;
  skipped = 0;

  constructor(
    readonly frameBytes: number,
    private readonly deliver: (frame: RawFrame) => void,
    readonly pull = false,
  ) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new Error(`frame size must be a positive integer, got ${frameBytes}`);
    this.current = Buffer.allocUnsafe(frameBytes);
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(this.frameBytes - this.filled, chunk.length - at);
      chunk.copy(this.current, this.filled, at, at + take);
      this.filled += take;
      at += take;
      if (this.filled === this.frameBytes) this.complete();
    }
  }

  /** Pull mode: frames read that the consumer has not asked for yet (stop reading while any). */
  get backlog(): number {
    return this.queue.length;
  }

  /** Pull mode: the consumer is ready for one more frame. */
  want(): void {
    if (!this.pull) return;
    this.wanted++;
    this.schedule();
  }

  private complete(): void {
    this.frames++;
    if (this.pull) {
      this.queue.push({ data: this.current, seq: this.nextSeq++ });
      this.current = Buffer.allocUnsafe(this.frameBytes);
      this.filled = 0;
      this.schedule();
      return;
    }
    if (this.slot) this.skipped++;
    this.slot = { data: this.current, seq: this.nextSeq++ };
    this.current = Buffer.allocUnsafe(this.frameBytes);
    this.filled = 0;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.handOn());
  }

  private handOn(): void {
    this.scheduled = false;
    if (this.pull) {
      if (this.wanted <= 0 || this.queue.length === 0) return;
      this.wanted--;
      this.deliver(this.queue.shift()!);
      this.onDrained?.();
      return;
    }
    const frame = this.slot;
    this.slot = null;
    if (frame) this.deliver(frame);
  }

  /** A new ffmpeg run: drop a partial frame and start counting again at 0. */
  reset(): void {
    this.filled = 0;
    this.nextSeq = 0;
    this.slot = null;
    this.queue.length = 0;
    this.wanted = 1;
  }

  /** Pull mode: called after a frame left the backlog (the source may read the pipe again). */
  onDrained: (() => void) | null = null;
}

const EOI_0 = 0xff;
const EOI_1 = 0xd9;
const SOI = Buffer.from([0xff, 0xd8]);
/** A preview frame larger than this means the stream is not what we think: start over. */
const MAX_JPEG_BYTES = 16 * 1024 * 1024;

export class JpegSplitter {
  private chunks: Buffer[] = [];
  private length = 0;
  private scanned = 0;
  private nextIndex = 0;

  constructor(private readonly deliver: (jpeg: Buffer, index: number) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length > MAX_JPEG_BYTES) {
      this.reset();
      return;
    }
    let buffer = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
    this.chunks = [buffer];
    for (;;) {
      const start = buffer.indexOf(SOI);
      if (start < 0) {
        // Keep a trailing 0xFF: it may be the first half of the next start-of-image marker.
        const tail = buffer.length > 0 && buffer[buffer.length - 1] === 0xff ? buffer.subarray(buffer.length - 1) : null;
        this.clear();
        if (tail) {
          this.chunks = [tail];
          this.length = 1;
        }
        return;
      }
      let end = -1;
      for (let i = Math.max(start + 2, this.scanned); i + 1 < buffer.length; i++) {
        if (buffer[i] === EOI_0 && buffer[i + 1] === EOI_1) {
          end = i + 2;
          break;
        }
      }
      if (end < 0) {
        this.scanned = Math.max(start + 2, buffer.length - 1);
        return;
      }
      // A copy, so the frame does not pin the rest of the pipe's buffer.
      this.deliver(Buffer.from(buffer.subarray(start, end)), this.nextIndex++);
      buffer = buffer.subarray(end);
      this.chunks = [buffer];
      this.length = buffer.length;
      this.scanned = 0;
    }
  }

  private clear(): void {
    this.chunks = [];
    this.length = 0;
    this.scanned = 0;
  }

  reset(): void {
    this.clear();
    this.nextIndex = 0;
  }
}

export interface PpmPicture {
  width: number;
  height: number;
  /** The whole PPM frame: header, then width x height x 3 bytes of RGB. */
  bytes: Buffer;
  /** Where the pixels start in `bytes`. */
  pixelsAt: number;
}

/** "P6", the width, the height and the largest value (255), each after whitespace, then one whitespace. */
const PPM_HEADER = /^P6\s+(\d+)\s+(\d+)\s+255\s/;

/**
 * PpmSplitter cuts ffmpeg's PPM output (image2pipe with the ppm encoder: a header giving each
 * frame's size, then its raw RGB) into whole frames, numbered 0, 1, 2... within one ffmpeg run.
 * A frame larger than maxBytes, or bytes that are not a PPM header, drop what is buffered.
 */
export class PpmSplitter {
  private buffered: Buffer = Buffer.alloc(0);
  private nextIndex = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly deliver: (picture: PpmPicture, index: number) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const head = PPM_HEADER.exec(this.buffered.subarray(0, 32).toString('latin1'));
      if (!head) {
        if (this.buffered.length >= 32) this.buffered = Buffer.alloc(0); // not a PPM stream: start over
        return;
      }
      const width = Number(head[1]);
      const height = Number(head[2]);
      const pixelsAt = head[0].length;
      const total = pixelsAt + width * height * 3;
      if (total > this.maxBytes || width === 0 || height === 0) {
        this.buffered = Buffer.alloc(0);
        return;
      }
      if (this.buffered.length < total) return;
      this.deliver({ width, height, bytes: Buffer.from(this.buffered.subarray(0, total)), pixelsAt }, this.nextIndex++);
      this.buffered = this.buffered.subarray(total);
    }
  }

  reset(): void {
    this.buffered = Buffer.alloc(0);
    this.nextIndex = 0;
  }
}
