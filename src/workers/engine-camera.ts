/**
 * The camera worker's side of an engine-side camera: it starts the camera's ffmpeg
 * (sources/ffmpeg-source.ts), turns each newest decoded frame into a frame for the worker's own
 * inference path, and pairs the live-view JPEG of a frame with the detections computed on that
 * same frame. In detect mode 'motion' a frame goes to inference only when the gate says so
 * (motion/detect-gate.ts); the others are answered here and counted. No frame leaves this process: results go to main (small; in batches while nobody
 * watches, result-batch.ts), previews go only to whoever watches (the desktop renderer's
 * MessagePort, or main for serve mode's pages) and are dropped on arrival while nobody does.
 */
import type { FrameMessage, ResultMessage } from '../shared/contracts/frames';
import type { SourceStats } from '../shared/contracts/sources';
import type { LiveViewMessage } from '../shared/contracts/live';
import type { WorkerConfig, WorkerOutbound } from '../shared/contracts/worker';
import type { ReaderThreadEntry } from './sources/reader-child';
import { FfmpegSource, type LiveEvent, type PreviewFrame, type SourceFrame } from './sources/ffmpeg-source';
import type { InitSegment, MediaFragment } from './sources/fmp4-reader';
import { ResultBatcher } from './result-batch';
import { DetectGate, type MotionStats } from './motion/detect-gate';
import { DEFAULT_MOTION } from './motion/motion-detector';

type Reply = (message: WorkerOutbound) => void;

export interface EngineCameraOptions {
  config: WorkerConfig & { source: NonNullable<WorkerConfig['source']> };
  /** The model's input size (the Detector). */
  input: { inputWidth: number; inputHeight: number };
  /** The worker's frame intake (newest wins, counted), answering through `reply`. */
  accept(frame: FrameMessage, reply: Reply): void;
  /** To main: results, source states. */
  send: Reply;
  /** Where the live view (video fragments, results, JPEG previews) goes right now, or null when nobody watches. */
  previewSink(): ((message: LiveViewMessage) => void) | null;
  /** Every display picture, watched or not (events take their snapshots from the latest). */
  onPicture?(jpeg: Buffer): void;
  /** Whether a tracked object still needs inference on every frame; null: no tracker (then: the last inference found something). */
  active?(): boolean | null;
  /** A frame was not inferred because nothing moved. */
  onStill?(now: number): void;
  /** Where the ffmpeg reader thread starts from (the camera worker's own entry). */
  readerThread?: ReaderThreadEntry;
}

interface FrameKey {
  key: string;
  sourceWidth: number;
  sourceHeight: number;
  decodedAt: number;
  /** The frame's own picture, for an event's snapshot (events on). */
  picture?: SourceFrame['picture'];
}

/** How many unpaired pictures or results to hold: a pair is never more than a few frames apart. */
const PAIR_WINDOW = 8;
const PREVIEW_MAX_WIDTH = 960;

export class EngineCamera {
  private readonly source: FfmpegSource;
  private readonly frames = new Map<number, FrameKey>();
  private readonly pictures = new Map<string, Buffer>();
  private readonly waiting = new Map<string, { result: ResultMessage; frame: FrameKey }>();
  private nextFrameId = 1;
  private nextPreviewId = 1;
  private lastPreviewAt = 0;
  private readonly results: ResultBatcher;
  private readonly gate: DetectGate;
  private lastFound = false;
  /** The last frame answered with a result, and its picture. */
  private answered: { frameId: number; picture: NonNullable<SourceFrame['picture']> } | null = null;

  constructor(private readonly options: EngineCameraOptions) {
    this.results = new ResultBatcher(options.config.cameraId, options.send);
    const { source } = options.config;
    this.gate = new DetectGate({
      mode: source.detect?.mode ?? 'always',
      refreshMs: source.detect?.refreshMs ?? 5000,
      motion: source.motion ?? DEFAULT_MOTION,
    });
    this.source = new FfmpegSource({
      ffmpegPath: source.ffmpegPath,
      source: source.config,
      realtime: source.config.kind === 'file' ? source.config.realtime : undefined,
      width: options.input.inputWidth,
      height: options.input.inputHeight,
      maxFps: source.maxFps,
      detectFps: source.detect?.fps,
      preview: { maxWidth: PREVIEW_MAX_WIDTH, fps: source.previewFps },
      noFrameTimeoutMs: source.noFrameTimeoutMs,
      readerThread: options.readerThread,
      // With events, each model frame comes with its own picture: a snapshot shows the frame that was detected.
      picture: options.config.events ? { maxSide: PREVIEW_MAX_WIDTH } : undefined,
      ...(source.record ? { record: { ...source.record, onSegment: (segment) => options.send({ type: 'segment', cameraId: options.config.cameraId, ...segment }) } } : {}),
      onFrame: (frame) => this.onFrame(frame),
      onPreview: (preview) => this.onPicture(preview),
      live: true,
      onLive: (event) => this.onLive(event),
      onState: (state, reason) => options.send({ type: 'source-state', cameraId: options.config.cameraId, state, reason }),
      onLog: (line) => {
        if (/error|fail|refused|denied|not found|invalid/i.test(line)) process.stderr.write(`[camera ${options.config.cameraId} ffmpeg] ${line}\n`);
      },
    });
  }

  start(): this {
    this.source.start();
    return this;
  }

  stop(): Promise<void> {
    this.results.flush();
    return this.source.stop();
  }

  /**
   * Someone started watching (a page's port arrived, or serve mode's pages began to): the live
   * stream's init segment and the fragments since its last keyframe go first, so the page's
   * picture starts at the latest keyframe instead of waiting for the next.
   */
  viewerJoined(): void {
    const sink = this.options.previewSink();
    const start = this.source.liveStart();
    if (!sink || !start) return;
    sink(this.initMessage(start.generation, start.init));
    for (const fragment of start.gop) sink(this.mediaMessage(start.generation, fragment));
  }

  /**
   * The picture of the frame just answered (call right after its result), for the event snapshot
   * of the detections on that very frame; null when there is none.
   */
  pictureFor(frameId: number): NonNullable<SourceFrame['picture']> | null {
    return this.answered?.frameId === frameId ? this.answered.picture : null;
  }

  /** Frames ffmpeg decoded but the reader replaced before the worker took them. */
  get readerSkipped(): number {
    return this.source.framesSkipped;
  }

  /** Motion counters (detect mode 'motion'), else undefined. */
  motionStats(): MotionStats | undefined {
    return this.gate.stats();
  }

  stats(): SourceStats {
    const s = this.source.stats();
    return {
      state: s.state,
      reason: s.reason,
      fps: s.fps,
      framesDecoded: s.framesDecoded,
      reconnects: s.reconnects,
      ffmpegPid: s.ffmpegPid,
      ffmpegCpuPercent: s.ffmpegCpuPercent,
      ffmpegRssBytes: s.ffmpegRssBytes,
      ...(s.recording ? { recording: s.recording } : {}),
    };
  }

  private onFrame(frame: SourceFrame): void {
    const size = { width: this.options.input.inputWidth, height: this.options.input.inputHeight };
    const active = this.options.active?.() ?? this.lastFound;
    const now = Date.now();
    if (!this.gate.decide({ data: frame.data, ...size, letterbox: frame.letterbox }, now, active).infer) {
      this.options.onStill?.(now);
      this.source.next(); // answered: a pulled file source reads its next frame
      return;
    }
    const frameId = this.nextFrameId++;
    const key: FrameKey = {
      key: `${frame.generation}:${frame.seq}`,
      sourceWidth: frame.sourceWidth,
      sourceHeight: frame.sourceHeight,
      decodedAt: frame.decodedAt,
      picture: frame.picture,
    };
    this.frames.set(frameId, key);
    if (this.frames.size > 4 * PAIR_WINDOW) this.frames.delete(this.frames.keys().next().value!);
    const message: FrameMessage = {
      type: 'frame',
      cameraId: this.options.config.cameraId,
      frameId,
      width: this.options.input.inputWidth,
      height: this.options.input.inputHeight,
      data: frame.data,
      letterbox: frame.letterbox,
      sourceWidth: frame.sourceWidth,
      sourceHeight: frame.sourceHeight,
      acceptedAt: frame.decodedAt,
    };
    this.options.accept(message, (reply) => this.onReply(reply));
  }

  private onReply(message: WorkerOutbound): void {
    if (message.type !== 'result' && message.type !== 'frame-dropped') return;
    // Each frame is answered once: a pulled file source reads its next frame now.
    this.source.next();
    const frame = this.frames.get(message.frameId);
    this.frames.delete(message.frameId);
    this.answered = message.type === 'result' && frame?.picture ? { frameId: message.frameId, picture: frame.picture } : null;
    if (message.type !== 'result') return;
    this.lastFound = message.detections.length > 0;
    const watched = this.options.previewSink() !== null;
    this.results.add(message, watched);
    if (!frame || !watched) return;
    this.options.previewSink()?.({
      type: 'live-result',
      cameraId: this.options.config.cameraId,
      frameId: message.frameId,
      detections: message.detections,
      sourceWidth: frame.sourceWidth,
      sourceHeight: frame.sourceHeight,
      decodedAt: frame.decodedAt,
      mediaTime: null,
    });
    const picture = this.pictures.get(frame.key);
    if (picture) {
      this.pictures.delete(frame.key);
      this.emit(picture, message, frame);
    } else {
      this.waiting.set(frame.key, { result: message, frame });
      trim(this.waiting);
    }
  }

  private onLive(event: LiveEvent): void {
    const sink = this.options.previewSink();
    if (!sink) return; // nobody watches: the reader keeps the latest keyframe's fragments for the next viewer
    sink(event.kind === 'init' ? this.initMessage(event.generation, event.init) : this.mediaMessage(event.generation, event.fragment));
  }

  private initMessage(stream: number, init: InitSegment): LiveViewMessage {
    const { codec, width, height, timescale } = init.track;
    return { type: 'live-init', cameraId: this.options.config.cameraId, stream, codec, width, height, timescale, data: init.data };
  }

  private mediaMessage(stream: number, f: MediaFragment): LiveViewMessage {
    return {
      type: 'live-media',
      cameraId: this.options.config.cameraId,
      stream,
      seq: f.seq,
      keyframe: f.keyframe,
      decodeTime: f.decodeTime,
      samples: f.samples,
      duration: f.duration,
      data: f.data,
    };
  }

  private onPicture(preview: PreviewFrame): void {
    this.options.onPicture?.(preview.jpeg);
    if (!this.options.previewSink()) return; // nobody watches: costs one pipe read, nothing more
    const key = `${preview.generation}:${preview.seq}`;
    const waiting = this.waiting.get(key);
    if (waiting) {
      this.waiting.delete(key);
      this.emit(preview.jpeg, waiting.result, waiting.frame);
    } else {
      this.pictures.set(key, preview.jpeg);
      trim(this.pictures);
    }
  }

  private emit(jpeg: Buffer, result: ResultMessage, frame: FrameKey): void {
    const sink = this.options.previewSink();
    if (!sink) return;
    // Without maxFps the picture rate is a guess (ffmpeg-args.ts): keep to the preview rate here.
    const now = Date.now();
    if (now - this.lastPreviewAt < 1000 / this.options.config.source.previewFps - 5) return;
    this.lastPreviewAt = now;
    const width = Math.min(PREVIEW_MAX_WIDTH, frame.sourceWidth);
    const height = Math.max(2, 2 * Math.round((frame.sourceHeight * width) / frame.sourceWidth / 2));
    sink({
      type: 'preview',
      cameraId: this.options.config.cameraId,
      frameId: this.nextPreviewId++,
      width,
      height,
      detections: result.detections,
      decodedAt: frame.decodedAt,
      jpeg: new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength),
    });
  }
}

function trim<V>(map: Map<string, V>): void {
  while (map.size > PAIR_WINDOW) map.delete(map.keys().next().value!);
}
