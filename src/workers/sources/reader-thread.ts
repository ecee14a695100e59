/**
 * The ffmpeg reader thread of an engine-side camera (a worker_thread in the camera's process).
 *
 * It owns the camera's ffmpeg child: it spawns it when asked, reads the model frames on stdout
 * all the time and keeps only the newest whole one in a LatestFrameSlot, so ffmpeg never waits
 * for an inference (the inference thread is busy for tens of milliseconds at a time). Every
 * other output of the child (stderr, the preview JPEGs on fd 3, whatever later outputs add) is
 * read here too and forwarded as it comes, in order, to the inference thread, where
 * FfmpegSource reads it as if from the child itself (reader-child.ts).
 *
 * With a picture output (the model frame's own picture at display size, PPM on its fd) picture n
 * is paired with model frame n here and both go into the slot together: an event's snapshot is
 * then the picture of the very frame that was detected. A model frame whose picture is late by
 * more than a couple of frames goes on without one.
 *
 * A pulled source (a file decoded as fast as it is used) keeps its frames in order and hands on
 * one per `want`; meanwhile it stops reading, so ffmpeg waits instead of decoding for nobody.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { spawnBound } from './bound-child';
import { PpmSplitter, RawFrameReader, type PpmPicture } from './frame-readers';
import { LatestFrameSlot } from './latest-frame-slot';
import { FromReader, ToReader } from './reader-protocol';

export function runReaderThread(port: MessagePort | null = parentPort): void {
  if (!port) throw new Error('the ffmpeg reader runs as a worker thread');
  const post = (message: FromReader, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  let child: ChildProcess | null = null;
  let reader: RawFrameReader | null = null;

  port.on('message', (data: unknown) => {
    const parsed = ToReader.safeParse(data);
    if (!parsed.success) {
      post({ type: 'error', message: `reader thread: message rejected: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'spawn':
        if (child) return post({ type: 'error', message: 'reader thread: ffmpeg is still running' });
        ({ child, reader } = spawnChild(msg, post));
        child.on('close', () => {
          child = null;
          reader = null;
        });
        break;
      case 'kill':
        child?.kill(msg.signal as NodeJS.Signals);
        break;
      case 'want':
        reader?.want();
        break;
    }
  });
}

function spawnChild(msg: Extract<ToReader, { type: 'spawn' }>, post: (m: FromReader, transfer?: ArrayBuffer[]) => void): { child: ChildProcess; reader: RawFrameReader } {
  const picture = msg.picture ?? null;
  const slot = LatestFrameSlot.from(msg.slot, msg.frameBytes + (picture?.maxBytes ?? 0));
  const { generation } = msg;
  const publish = (seq: number, model: Buffer, pic: PpmPicture | null) => {
    const parts = pic ? [model, pic.bytes.subarray(pic.pixelsAt)] : [model];
    if (slot.publish(parts, seq, generation, Date.now(), pic ? [pic.width, pic.height] : [0, 0])) post({ type: 'frame' });
  };
  const pairs = new FramePairs(publish);
  const { child, boundByKernel } = spawnBound(msg.command, msg.args, { stdio: msg.stdio, windowsHide: true, env: msg.env ? { ...process.env, ...msg.env } : process.env });
  const reader = new RawFrameReader(
    msg.frameBytes,
    (frame) => (picture ? pairs.model(frame.seq, frame.data) : publish(frame.seq, frame.data, null)),
    msg.pull,
  );
  const stdout = child.stdout!;
  reader.onDrained = () => {
    if (reader.backlog === 0) stdout.resume();
  };
  stdout.on('data', (chunk: Buffer) => {
    reader.push(chunk);
    if (reader.backlog > 0) stdout.pause();
  });
  const streams: Readable[] = [stdout];
  const pictureStream = picture ? (child.stdio[picture.fd] as Readable | null) : null;
  if (picture && pictureStream) {
    const splitter = new PpmSplitter(picture.maxBytes, (pic, index) => pairs.picture(index, pic));
    pictureStream.on('data', (chunk: Buffer) => splitter.push(chunk));
    streams.push(pictureStream);
  }
  msg.stdio.forEach((kind, fd) => {
    const stream = child.stdio[fd] as Readable | null;
    if (kind !== 'pipe' || fd < 2 || !stream || msg.inputs.some((i) => i.fd === fd) || fd === picture?.fd) return;
    streams.push(stream);
    stream.on('data', (chunk: Buffer) => {
      // An exact copy, transferred: a pipe's chunk may be a view into a larger pooled buffer.
      const copy = new Uint8Array(chunk);
      post({ type: 'data', fd, chunk: copy }, [copy.buffer as ArrayBuffer]);
    });
  });
  for (const input of msg.inputs) {
    const stream = child.stdio[input.fd] as Writable | null;
    if (!stream) continue;
    stream.on('error', () => undefined); // ffmpeg may exit before reading it; the exit says why
    stream.end(input.text);
  }
  for (const stream of streams) stream.on('error', () => undefined);
  child.on('error', (err) => post({ type: 'error', message: `${msg.command}: ${err.message}` }));
  post({ type: 'spawned', generation, pid: child.pid ?? null, boundByKernel });
  // 'close' comes after every pipe has ended, so all forwarded data is posted before it.
  child.on('close', (code, signal) => post({ type: 'close', generation, code, signal, framesRead: reader.frames, readerSkipped: reader.skipped }));
  return { child, reader };
}

/** Model frame n and picture n, whichever comes first waits (a few) for the other. */
class FramePairs {
  private readonly models = new Map<number, Buffer>();
  private readonly pictures = new Map<number, PpmPicture>();

  constructor(private readonly publish: (seq: number, model: Buffer, picture: PpmPicture | null) => void) {}

  model(seq: number, data: Buffer): void {
    const picture = this.pictures.get(seq);
    if (picture) {
      this.pictures.delete(seq);
      return this.publish(seq, data, picture);
    }
    this.models.set(seq, data);
    // Its picture is late (or never comes): the oldest waiting frame goes on without one.
    if (this.models.size > 2) {
      const [oldest, model] = this.models.entries().next().value!;
      this.models.delete(oldest);
      this.publish(oldest, model, null);
    }
  }

  picture(index: number, picture: PpmPicture): void {
    const model = this.models.get(index);
    if (model) {
      this.models.delete(index);
      return this.publish(index, model, picture);
    }
    this.pictures.set(index, picture);
    // Pictures of frames the reader skipped, or of frames not read yet: keep a few.
    while (this.pictures.size > 4) this.pictures.delete(this.pictures.keys().next().value!);
  }
}
