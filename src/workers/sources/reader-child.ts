/**
 * The inference thread's side of the ffmpeg reader thread (reader-thread.ts): starts the thread,
 * asks it to spawn ffmpeg, and stands in for the child. ReaderChild looks like a ChildProcess to
 * FfmpegSource: its stdio streams carry what the thread forwards (stderr, previews, any later
 * output), `kill` and `pid` reach the real child, and 'close' comes after the last forwarded
 * byte. The model frames do not come this way: the newest is taken from the shared slot when the
 * thread says one is there.
 */
import { EventEmitter } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { startEntryThread, type EntryThread } from '../entry-thread';
import { LatestFrameSlot, type SlotFrame } from './latest-frame-slot';
import { FromReader, READER_THREAD_ROLE, type ToReader } from './reader-protocol';

/** The script a reader thread runs: the camera worker's own entry (it checks workerData's role). */
export type ReaderThreadEntry = EntryThread;

export interface ReaderSpawn {
  command: string;
  args: string[];
  stdio: Array<'pipe' | 'ignore'>;
  inputs: Array<{ fd: number; text: string }>;
  pull: boolean;
  generation: number;
  /** The fd of the model frames' pictures (PPM) and the largest one. */
  picture?: { fd: number; maxBytes: number } | null;
  /** Variables added to ffmpeg's environment (TZ=UTC while recording). */
  env?: Record<string, string>;
}

export class ReaderChild extends EventEmitter {
  pid: number | undefined;
  boundByKernel = false;
  readonly stdio: Array<Readable | null>;
  private closed = false;

  constructor(
    spec: ReaderSpawn,
    private readonly send: (m: ToReader) => void,
  ) {
    super();
    this.stdio = spec.stdio.map((kind, fd) => (kind === 'pipe' && fd >= 2 && !spec.inputs.some((i) => i.fd === fd) ? new PassThrough() : null));
  }

  get stderr(): Readable | null {
    return this.stdio[2] ?? null;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.closed) return false;
    this.send({ type: 'kill', signal });
    return true;
  }

  /** @internal the thread's report. */
  data(fd: number, chunk: Uint8Array): void {
    const stream = this.stdio[fd] as PassThrough | null | undefined;
    stream?.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }

  /** @internal the child is gone: end the streams, then say so (once). */
  close(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    this.closed = true;
    const streams = this.stdio.filter((s): s is PassThrough => s instanceof PassThrough);
    let open = streams.length;
    const done = () => {
      if (--open <= 0) this.emit('close', code, signal);
    };
    if (open === 0) return void this.emit('close', code, signal);
    for (const s of streams) {
      s.once('end', done);
      s.end();
      s.resume(); // a stream nobody reads still ends
    }
  }
}

export class ReaderThread {
  private worker: Worker | null = null;
  private child: ReaderChild | null = null;
  private generation = -1;
  /** Frames the thread's own reader replaced (reported when a child closes). */
  private closedSkipped = 0;

  constructor(
    private readonly entry: ReaderThreadEntry,
    readonly slot: LatestFrameSlot,
    private readonly onFrame: (frame: SlotFrame) => void,
  ) {}

  /** frameBytes: a model frame's; pictureMaxBytes: the largest picture that comes with it (0: none). */
  static create(entry: ReaderThreadEntry, frameBytes: number, pictureMaxBytes: number, onFrame: (frame: SlotFrame) => void): ReaderThread {
    const thread = new ReaderThread(entry, LatestFrameSlot.create(frameBytes + pictureMaxBytes), onFrame);
    thread.modelBytes = frameBytes;
    return thread;
  }

  private modelBytes = 0;

  /** Frames read from ffmpeg, all runs together. */
  get framesRead(): number {
    return this.slot.written;
  }

  /** Frames replaced by a newer one before the inference thread took them. */
  get framesSkipped(): number {
    return this.slot.replaced + this.closedSkipped;
  }

  spawn(spec: ReaderSpawn): ReaderChild {
    const worker = this.ensureWorker();
    this.generation = spec.generation;
    const child = new ReaderChild(spec, (m) => worker.postMessage(m));
    this.child = child;
    worker.postMessage({ type: 'spawn', ...spec, frameBytes: this.modelBytes, slot: this.slot.shared } satisfies ToReader);
    return child;
  }

  want(): void {
    this.worker?.postMessage({ type: 'want' } satisfies ToReader);
  }

  /** Ends the thread (call once its child has closed: the thread's end would kill it). */
  async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startEntryThread(this.entry, READER_THREAD_ROLE);
    worker.on('message', (data: unknown) => this.onMessage(data));
    const lost = (why: string) => {
      if (this.worker === worker) this.worker = null;
      const child = this.child;
      if (!child) return;
      child.emit('error', new Error(`the ffmpeg reader thread ended: ${why}`));
      child.close(null, 'SIGKILL');
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  private onMessage(data: unknown): void {
    const parsed = FromReader.safeParse(data);
    if (!parsed.success) {
      process.stderr.write(`ffmpeg reader thread: message rejected: ${parsed.error.issues[0]?.message ?? 'invalid'}\n`);
      return;
    }
    const msg = parsed.data;
    const child = this.child;
    switch (msg.type) {
      case 'frame': {
        const frame = this.slot.take();
        if (frame && frame.generation === this.generation) this.onFrame(frame);
        break;
      }
      case 'spawned':
        if (child && msg.generation === this.generation) {
          child.pid = msg.pid ?? undefined;
          child.boundByKernel = msg.boundByKernel;
          child.emit('spawn');
        }
        break;
      case 'data':
        child?.data(msg.fd, msg.chunk);
        break;
      case 'error':
        child?.emit('error', new Error(msg.message));
        break;
      case 'close':
        this.closedSkipped += msg.readerSkipped;
        if (child && msg.generation === this.generation) {
          this.child = null;
          child.close(msg.code, msg.signal as NodeJS.Signals | null);
        }
        break;
    }
  }
}
