/**
 * What an engine-side camera source delivers and is given: its states, frames, previews, live
 * stream events, options and stats. The contract between FfmpegSource and the worker that owns it
 * (engine-camera.ts), kept apart from the supervision of the ffmpeg child itself.
 */
import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { Letterbox } from '../../shared/contracts/frames';
import type { RecordingStatus } from '../../shared/contracts/recording';
import type { EngineSource, PreviewOptions } from './ffmpeg-args';
import type { FailureCode } from './ffmpeg-log';
import type { InitSegment, MediaFragment } from './fmp4-reader';
import type { ReaderThreadEntry } from './reader-child';
import type { RecordingOutputOptions } from './recording-output';

export type SourceState = 'connecting' | 'running' | 'no-signal' | 'error' | 'stopped';

export interface SourceFrame {
  data: Buffer;
  /** Frame index within one ffmpeg run, and which run (restarts count up). */
  seq: number;
  generation: number;
  letterbox: Letterbox;
  sourceWidth: number;
  sourceHeight: number;
  /** Date.now() when the whole frame had been read. */
  decodedAt: number;
  /** The frame's own picture (options.picture, with a reader thread), RGB, else absent. */
  picture?: { width: number; height: number; channels: 3; data: Uint8Array };
}

export interface PreviewFrame {
  jpeg: Buffer;
  /** The model frame (same run) this picture is. */
  seq: number;
  generation: number;
}

export type LiveEvent = { kind: 'init'; generation: number; init: InitSegment } | { kind: 'fragment'; generation: number; fragment: MediaFragment };

export interface FfmpegSourceOptions {
  ffmpegPath: string;
  source: EngineSource;
  width: number;
  height: number;
  maxFps?: number;
  detectFps?: number;
  preview?: PreviewOptions | null;
  realtime?: boolean;
  noFrameTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onFrame(frame: SourceFrame): void;
  onPreview?(frame: PreviewFrame): void;
  /** Also copy the source's video as fragmented MP4 for the live view (planFfmpeg's live option). */
  live?: boolean;
  /** The live stream's init segment (each ffmpeg run starts a new stream, `generation`) and each fragment. */
  onLive?(event: LiveEvent): void;
  onState?(state: SourceState, reason: string | null): void;
  /** ffmpeg's stderr, line by line, already redacted. */
  onLog?(line: string): void;
  /**
   * Read ffmpeg from a reader thread started from this entry (reader-thread.ts): ffmpeg's pipes
   * are drained while the caller's thread is busy, and only the newest model frame is handed on.
   * Without it the pipes are read on the caller's thread, between its other work.
   */
  readerThread?: ReaderThreadEntry;
  /** Record the stream into segments (recording-output.ts); absent: not recorded. */
  record?: RecordingOutputOptions;
  /** Each model frame's picture at display size (ffmpeg-args.ts), for event snapshots; only with readerThread. */
  picture?: { maxSide: number };
}

/** What FfmpegSource needs of its child: a real ChildProcess, or the reader thread's stand-in. */
export type FfmpegChild = EventEmitter & {
  readonly pid?: number;
  readonly stdio: ArrayLike<unknown>;
  readonly stderr: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
};

export interface SourceStats {
  state: SourceState;
  reason: string | null;
  failure: FailureCode | null;
  /** Decoded frames a second over the last second. */
  fps: number;
  framesDecoded: number;
  framesSkipped: number;
  reconnects: number;
  ffmpegPid: number | null;
  ffmpegCpuPercent: number | null;
  ffmpegRssBytes: number | null;
  boundByKernel: boolean;
  recording?: RecordingStatus;
}
