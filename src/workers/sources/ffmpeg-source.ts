/**
 * One engine-side camera source: a supervised ffmpeg child of the camera's worker.
 *
 * States: `connecting` until the first frame, `running` while frames come, `no-signal` when a
 * source that has run stops delivering (ffmpeg exited, or no frame for noFrameTimeoutMs, 20 s by
 * default, after which ffmpeg is killed) and `error` when it cannot be opened (ffmpeg's own
 * reason). Both retry: ffmpeg is started again after a backoff (doubling, capped) and each new
 * start counts in `reconnects`. Wrong credentials, a missing file and a file that is not a video
 * are not retried: trying again cannot fix them. Every message is redacted: a stream's password
 * never leaves this module.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { planLetterbox } from '../../shared/letterbox';
import type { FfmpegChild, FfmpegSourceOptions, SourceFrame, SourceState, SourceStats } from './source-types';
import { redactText, redactUrl, secretsOf } from '../../shared/redact';
import { RateMeter } from '../../shared/stats';
import { spawnBound } from './bound-child';
import { RecordingOutput } from './recording-output';
import { INPUT_LIST_FD, LIVE_FD, PICTURE_FD, PREVIEW_FD, RECORD_LIST_FD, SEGMENT_LIST_FD, planFfmpeg, UnsafeStreamUrlError, type FfmpegPlan } from './ffmpeg-args';
import { FfmpegLog, type FailureCode } from './ffmpeg-log';
import { JpegSplitter, RawFrameReader } from './frame-readers';
import { Fmp4Reader, type InitSegment, type MediaFragment } from './fmp4-reader';
import { ProcessUsageMeter } from './process-usage';
import { ReaderThread } from './reader-child';
import { backoffDelay } from '../../shared/backoff';

export type { FfmpegSourceOptions, LiveEvent, PreviewFrame, SourceFrame, SourceState, SourceStats } from './source-types';

/** Failures another attempt cannot fix. */
const PERMANENT: ReadonlySet<FailureCode> = new Set(['unauthorized', 'no-such-file', 'not-video', 'unsupported-codec']);

export class FfmpegSource {
  /** null: the source cannot be handed to ffmpeg safely (refusal says why); start() only reports that. */
  private plan: FfmpegPlan | null = null;
  private readonly refusal: string | null = null;
  private readonly secrets: string[];
  private readonly name: string;
  private readonly reader: RawFrameReader;
  private readonly jpegs: JpegSplitter;
  private readonly live: Fmp4Reader;
  private readonly rate = new RateMeter(5000);
  private child: FfmpegChild | null = null;
  /** The reader thread (options.readerThread), else null: the pipes are read here. */
  private readonly thread: ReaderThread | null = null;
  private readonly pull: boolean;
  /** Frames decoded when last looked (rate and silence are measured on this count). */
  private decodedSeen = 0;
  private log: FfmpegLog;
  private usage: ProcessUsageMeter | null = null;
  private state: SourceState = 'stopped';
  private reason: string | null = null;
  private failure: FailureCode | null = null;
  private generation = 0;
  private reconnects = 0;
  private attempt = 0;
  private everRan = false;
  private lastFrameAt = 0;
  private killedForSilence = false;
  private boundByKernel = false;
  private stopping = false;
  private watchdog: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly recording: RecordingOutput | null;
  /** The plan of the run in progress (each run names its segments anew). */
  private run: FfmpegPlan | null = null;
  /** This run was ended on purpose to start again at once (audio dropped, recording paused or resumed). */
  private restartNow = false;
  /** ffmpeg refused the live output (a codec MP4 cannot hold): later runs go without it. */
  private liveRefused = false;

  constructor(private readonly options: FfmpegSourceOptions) {
    try {
      // Planned once here with the recording output too, so a recordUrl that cannot go to ffmpeg is refused at start.
      const record = options.record ? { dir: options.record.dir, segmentSeconds: options.record.segmentSeconds, runTag: 'check', audio: true, url: options.record.url } : null;
      this.plan = planFfmpeg({ ...options, preview: options.preview ?? null, record, picture: this.pictureOption() });
    } catch (err) {
      if (!(err instanceof UnsafeStreamUrlError)) throw err;
      this.refusal = err.message;
    }
    this.recording = options.record ? new RecordingOutput(options.record) : null;
    this.secrets = options.source.kind === 'stream' ? secretsOf(options.source.url) : [];
    if (options.record?.url) this.secrets.push(...secretsOf(options.record.url));
    this.name = options.source.kind === 'stream' ? redactUrl(options.source.url) : options.source.path;
    this.log = this.newLog();
    // A file read flat out (realtime: false) is pulled: ffmpeg decodes only the frames that are used.
    const pull = options.realtime === false && options.source.kind === 'file' && !this.plan?.still;
    this.pull = pull;
    const frameBytes = options.width * options.height * 3;
    this.reader = new RawFrameReader(frameBytes, (f) => this.handOn(f.data, f.seq, Date.now()), pull);
    if (options.readerThread) {
      this.thread = ReaderThread.create(options.readerThread, frameBytes, this.plan?.pictureMaxBytes ?? 0, (f) => {
        if (f.generation !== this.generation) return;
        const [width, height] = f.extra;
        const picture = width > 0 ? { width, height, channels: 3 as const, data: f.data.subarray(frameBytes) } : undefined;
        this.handOn(f.data.subarray(0, frameBytes), f.seq, f.decodedAt, picture);
      });
    }
    this.reader.onDrained = () => {
      if (this.reader.backlog === 0) (this.child?.stdio[1] as Readable | null | undefined)?.resume();
    };
    this.live = new Fmp4Reader({
      onInit: (init) => this.options.onLive?.({ kind: 'init', generation: this.generation, init }),
      onFragment: (fragment) => this.options.onLive?.({ kind: 'fragment', generation: this.generation, fragment }),
      onError: (err) => this.options.onLog?.(`live view: ffmpeg's fragmented MP4 could not be read (${err.message}); no live video until ffmpeg restarts`),
    });
    this.jpegs = new JpegSplitter((jpeg, index) =>
      this.options.onPreview?.({ jpeg, seq: index * (this.plan?.previewEvery ?? 1), generation: this.generation }),
    );
  }

  /** Masks this source's password in any text. */
  redact(text: string): string {
    return redactText(text, this.secrets);
  }

  start(): void {
    if (this.child || this.state !== 'stopped') return;
    this.stopping = false;
    if (!this.plan) {
      this.failure = 'refused-url';
      this.setState('error', this.refusal);
      return;
    }
    this.setState('connecting', null);
    this.recording?.start(() => this.restart());
    this.spawn();
    const timeout = this.options.noFrameTimeoutMs ?? 20_000;
    this.watchdog = setInterval(() => this.checkSilence(timeout), Math.min(250, timeout / 4));
  }

  /** Ends ffmpeg (SIGTERM, SIGKILL after a second) and resolves when it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.recording?.stop();
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.retry) clearTimeout(this.retry);
    this.watchdog = this.retry = null;
    const child = this.child;
    if (child) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 1000);
      await this.exited;
      clearTimeout(force);
    }
    await this.thread?.terminate();
    this.setState('stopped', null);
  }

  /**
   * The consumer is done with a frame and takes the next. Only a pulled source (a file with
   * realtime: false) waits for this; a live one hands on its newest frame whenever one is read.
   */
  next(): void {
    if (this.thread) this.thread.want();
    else this.reader.want();
  }

  /** Where a viewer starts: the live stream's init segment and the fragments since its last keyframe (null before the init segment). */
  liveStart(): { generation: number; init: InitSegment; gop: MediaFragment[] } | null {
    return this.live.init ? { generation: this.generation, init: this.live.init, gop: [...this.live.gop] } : null;
  }

  /** Frames the reader replaced before they were handed on (without sampling ffmpeg's CPU). */
  get framesSkipped(): number {
    return this.thread ? this.thread.framesSkipped : this.reader.skipped;
  }

  /** Whole model frames read from ffmpeg, all runs together. */
  get framesDecoded(): number {
    return this.thread ? this.thread.framesRead : this.reader.frames;
  }

  /** Call about once a second: each call samples ffmpeg's CPU since the previous one. */
  stats(): SourceStats {
    const usage = this.usage?.sample() ?? { cpuPercent: null, rssBytes: null };
    this.noteDecoded();
    return {
      state: this.state,
      reason: this.reason,
      failure: this.failure,
      fps: this.rate.rate(1000),
      framesDecoded: this.framesDecoded,
      framesSkipped: this.framesSkipped,
      reconnects: this.reconnects,
      ffmpegPid: this.child?.pid ?? null,
      ffmpegCpuPercent: usage.cpuPercent,
      ffmpegRssBytes: usage.rssBytes,
      boundByKernel: this.boundByKernel,
      ...(this.recording ? { recording: this.recording.status() } : {}),
    };
  }

  private newLog(): FfmpegLog {
    return new FfmpegLog((line) => this.redact(line), this.name);
  }

  /** Ends this run to start the next at once (not a reconnect). */
  private restart(): void {
    if (!this.child) return;
    this.restartNow = true;
    this.child.kill('SIGTERM');
  }

  private spawn(): void {
    const withLive = this.options.live === true && !this.liveRefused;
    const plan = this.recording || !withLive ? planFfmpeg({ ...this.options, preview: this.options.preview ?? null, live: withLive, record: this.recording?.nextRun() ?? null, picture: this.pictureOption() }) : this.plan!;
    this.run = plan;
    this.generation++;
    this.log = this.newLog();
    this.reader.reset();
    this.jpegs.reset();
    this.live.reset();
    this.killedForSilence = false;
    this.lastFrameAt = Date.now();
    const stdio: Array<'pipe' | 'ignore'> = ['ignore', 'pipe', 'pipe', 'ignore', 'ignore'];
    const pipe = (fd: number): void => {
      while (stdio.length <= fd) stdio.push('ignore');
      stdio[fd] = 'pipe';
    };
    if (this.options.preview) pipe(PREVIEW_FD);
    if (plan.live) pipe(LIVE_FD);
    if (plan.inputList !== null) pipe(INPUT_LIST_FD);
    const inputs = plan.inputList !== null ? [{ fd: INPUT_LIST_FD, text: plan.inputList }] : [];
    // The recording's outputs: the closed-segment list (read), the recordUrl's input list (written).
    if (plan.recordInput !== null) pipe(SEGMENT_LIST_FD);
    if (plan.recordInputList !== null) {
      pipe(RECORD_LIST_FD);
      inputs.push({ fd: RECORD_LIST_FD, text: plan.recordInputList });
    }
    // The model frames' pictures, read and paired on the reader thread.
    const picture = plan.pictureMaxBytes > 0 ? { fd: PICTURE_FD, maxBytes: plan.pictureMaxBytes } : null;
    if (picture) pipe(PICTURE_FD);
    // Segment names are UTC times (the folders are UTC hours), whatever the machine's zone.
    const env = plan.recordInput !== null ? { TZ: 'UTC' } : undefined;
    const generation = this.generation;
    let child: FfmpegChild;
    if (this.thread) {
      const proxy = this.thread.spawn({ command: this.options.ffmpegPath, args: plan.args, stdio, inputs, pull: this.pull, generation, picture, ...(env ? { env } : {}) });
      proxy.once('spawn', () => {
        this.boundByKernel = proxy.boundByKernel;
        this.usage = proxy.pid ? new ProcessUsageMeter(proxy.pid) : null;
      });
      child = proxy;
    } else {
      child = this.spawnHere(plan.args, stdio, inputs, generation, env);
    }
    this.child = child;
    let resolveExit!: () => void;
    this.exited = new Promise((resolve) => (resolveExit = resolve));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => this.onStderr(text));
    const preview = child.stdio[PREVIEW_FD] as Readable | null;
    // Always drained, even with nobody watching: a full pipe would stall ffmpeg, recognition included.
    preview?.on('data', (chunk: Buffer) => {
      if (generation === this.generation) this.jpegs.push(chunk);
    });
    const segments = child.stdio[SEGMENT_LIST_FD] as Readable | null | undefined;
    segments?.on('data', (chunk: Buffer) => this.recording?.pushList(chunk));
    // Drained like the previews: read whether or not anyone watches, kept from the last keyframe on.
    const live = (child.stdio[LIVE_FD] as Readable | null | undefined) ?? null;
    live?.on('data', (chunk: Buffer) => {
      if (generation === this.generation) this.live.push(chunk);
    });
    for (const stream of [child.stderr, preview, segments, live]) stream?.on('error', () => undefined);
    child.on('error', (err: Error) => {
      this.log.push(`${this.options.ffmpegPath}: ${err.message}\n`);
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.child = null;
      this.usage = null;
      resolveExit();
      this.onExit(code, signal);
    });
  }

  /** ffmpeg as a child of this thread, its model frames read here between the caller's work. */
  private spawnHere(args: string[], stdio: Array<'pipe' | 'ignore'>, inputs: Array<{ fd: number; text: string }>, generation: number, env?: Record<string, string>): ChildProcess {
    const { child, boundByKernel } = spawnBound(this.options.ffmpegPath, args, { stdio, windowsHide: true, env: env ? { ...process.env, ...env } : process.env });
    this.boundByKernel = boundByKernel;
    this.usage = child.pid ? new ProcessUsageMeter(child.pid) : null;
    child.stdout!.on('data', (chunk: Buffer) => {
      if (generation !== this.generation) return;
      this.reader.push(chunk);
      if (this.reader.backlog > 0) child.stdout!.pause();
    });
    child.stdout!.on('error', () => undefined);
    for (const input of inputs) {
      const stream = child.stdio[input.fd] as Writable | null;
      stream?.on('error', () => undefined); // ffmpeg may exit before reading it; the exit says why
      stream?.end(input.text);
    }
    return child;
  }

  private onStderr(text: string): void {
    for (const line of this.log.push(text)) {
      this.options.onLog?.(line);
      if (this.recording && this.run?.recordInput !== null) this.watchRecording(line);
    }
    if (this.log.readAsText && this.child) this.child.kill('SIGKILL');
  }

  /** A run ends to start again at once when its recording failed, or the recorded stream's codecs say it must change. */
  private watchRecording(line: string): void {
    const recording = this.recording!;
    const input = this.run!.recordInput!;
    if (recording.failedOn(line)) return this.restart();
    // The input report is over once ffmpeg maps streams: the recorded input's codecs are known.
    if (!/^Stream mapping/.test(line)) return;
    if (recording.videoCodec(this.log.videoCodecs.get(input) ?? null) || recording.audioCodec(this.log.audioCodecs.get(input) ?? null)) this.restart();
  }

  /** The picture output is read on the reader thread, so there is none without one. */
  private pictureOption(): { maxSide: number } | null {
    return this.options.readerThread ? (this.options.picture ?? null) : null;
  }

  private handOn(data: Buffer, seq: number, decodedAt: number, picture?: SourceFrame['picture']): void {
    this.noteDecoded();
    this.attempt = 0;
    this.everRan = true;
    if (this.state !== 'running') this.setState('running', null);
    const sw = this.log.sourceWidth ?? this.options.width;
    const sh = this.log.sourceHeight ?? this.options.height;
    const letterbox = planLetterbox(sw, sh, this.options.width, this.options.height).normalized;
    this.options.onFrame({ data, seq, generation: this.generation, letterbox, sourceWidth: sw, sourceHeight: sh, decodedAt, ...(picture ? { picture } : {}) });
  }

  /** Counts the frames decoded since the last look: the decode rate and the silence watchdog go by them. */
  private noteDecoded(): void {
    const decoded = this.framesDecoded;
    if (decoded === this.decodedSeen) return;
    const now = Date.now();
    for (let i = this.decodedSeen; i < decoded; i++) this.rate.mark(now);
    this.decodedSeen = decoded;
    this.lastFrameAt = now;
  }

  private checkSilence(timeoutMs: number): void {
    this.noteDecoded();
    if (!this.child || Date.now() - this.lastFrameAt < timeoutMs) return;
    this.killedForSilence = true;
    this.child.kill('SIGKILL');
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) return;
    if (this.restartNow) {
      this.restartNow = false;
      this.spawn();
      return;
    }
    if (this.run?.liveOutput != null && this.log.outputRefused(this.run.liveOutput)) {
      // The MP4 muxer cannot hold this source's codec (VP8, raw video...): no live video, the JPEG
      // previews stay, and ffmpeg starts again at once without the live output.
      this.options.onLog?.(`live view: this source's codec cannot be copied into MP4; the live view shows JPEG previews`);
      this.liveRefused = true;
      this.spawn();
      return;
    }
    const failure = this.log.failure();
    const silent = this.killedForSilence;
    let reason: string;
    if (silent) reason = `no frame for ${Math.round((this.options.noFrameTimeoutMs ?? 20_000) / 1000)} s; ffmpeg restarted`;
    else if (failure) reason = failure.message;
    else if (code === 0) reason = `${this.name}: the source ended`;
    else reason = `ffmpeg ${signal ? `was killed (${signal})` : `exited with code ${code}`}${this.lastWords()}`;
    this.failure = silent ? null : (failure?.code ?? null);
    const permanent = !silent && failure !== null && PERMANENT.has(failure.code);
    const fileEnded = code === 0 && !failure && this.options.source.kind === 'file' && this.options.source.loop === false;
    this.setState(this.everRan && !permanent ? 'no-signal' : 'error', reason);
    if (permanent || fileEnded) return;
    const delay = backoffDelay({ initialMs: this.options.backoffInitialMs ?? 500, maxMs: this.options.backoffMaxMs ?? 15_000 }, this.attempt);
    this.attempt++;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.stopping) return;
      this.reconnects++;
      this.spawn();
    }, delay);
  }

  private lastWords(): string {
    const tail = this.log.tail(1)[0];
    return tail ? `: ${tail}` : '';
  }

  private setState(state: SourceState, reason: string | null): void {
    if (state === this.state && reason === this.reason) return;
    this.state = state;
    this.reason = reason;
    if (state === 'running') this.failure = null;
    this.options.onState?.(state, reason);
  }
}
