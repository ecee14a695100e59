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
 * A pulled source (a file decoded as fast as it is used) keeps its frames in order and hands on
 * one per `want`; meanwhile it stops reading, so ffmpeg waits instead of decoding for nobody.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { spawnBound } from './bound-child';
import { RawFrameReader } from './frame-readers';
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
  const slot = LatestFrameSlot.from(msg.slot, msg.frameBytes);
  const { generation } = msg;
  const { child, boundByKernel } = spawnBound(msg.command, msg.args, { stdio: msg.stdio, windowsHide: true, env: msg.env ? { ...process.env, ...msg.env } : process.env });
  const reader = new RawFrameReader(
    msg.frameBytes,
    (frame) => {
      if (slot.publish(frame.data, frame.seq, generation, Date.now())) post({ type: 'frame' });
    },
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
  msg.stdio.forEach((kind, fd) => {
    const stream = child.stdio[fd] as Readable | null;
    if (kind !== 'pipe' || fd < 2 || !stream || msg.inputs.some((i) => i.fd === fd)) return;
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
