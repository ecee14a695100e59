/**
 * Camera worker: one process, one camera, one interpreter. The same entry runs as an Electron
 * utility process (process.parentPort) or as a Node child (child_process.fork with advanced
 * serialization), chosen at run time. In the desktop app the renderer's frames arrive on a
 * MessagePort handed over with 'init' or later with 'data-port' (the page that holds the camera
 * changed: a reload, another window); otherwise on the control channel, their pixels inline or in
 * a frame slot (frame-slot-reader.ts). Every message is validated on arrival; a bad one is
 * counted and dropped.
 *
 * infer() is synchronous, so frames that arrive during an inference queue up in the event loop.
 * Two may wait (with two in flight the next is there when an inference ends); a third replaces the
 * oldest (skipped, answered 'frame-dropped'). The next inference starts from setImmediate, after the
 * event loop has read what arrived: the newest frames always win and a stale one is never run.
 */
import { Detector, DetectorError } from './detector';
import { decodeFrame, parseMessage, peekFrame, type FrameMessage } from '../shared/contracts/frames';
import { WorkerInbound, type WorkerConfig, type WorkerOutbound, type WorkerStats } from '../shared/contracts/worker';
import { LatencyWindow, RateMeter } from '../shared/stats';
import { CpuMeter } from './cpu-meter';
import { applyFaultInjection, maybeHang } from './faults';
import { openChannel, type Channel, type MessagePortLike, type Send } from './channel';
import { EngineCamera } from './engine-camera';
import { rejectedFrameReply } from './frame-reject';
import { WorkerEvents } from './events';
import { calibrate } from './calibrate';
import { FrameSlotReader, readFrameSlot } from './frame-slot-reader';
import { workerData } from 'node:worker_threads';
import { READER_THREAD_ROLE } from './sources/reader-protocol';
import { runReaderThread } from './sources/reader-thread';
import { runSnapshotThread, SNAPSHOT_THREAD_ROLE, SnapshotThread } from './snapshot-thread';

class CameraWorker {
  private static readonly MAX_WAITING = 2; // enough for a sender with maxInFlight 2
  private detector: Detector | null = null;
  private config: WorkerConfig | null = null;
  private readonly waiting: Array<{ frame: FrameMessage; reply: Send }> = [];
  private scheduled = false;
  private dataPort: MessagePortLike | null = null;
  /** An engine-side camera's ffmpeg (null: frames come from a page or code); watching: a serve-mode page shows it. */
  private engine: EngineCamera | null = null;
  private watching = false;
  private events: WorkerEvents | null = null;

  private framesReceived = 0;
  private framesInferred = 0;
  private framesSkipped = 0;
  private framesRejected = 0;
  private messagesRejected = 0;
  private readonly rate = new RateMeter(5000);
  private readonly inferLatency = new LatencyWindow(256);
  private readonly endToEnd = new LatencyWindow(256);
  private readonly stages = [new LatencyWindow(256), new LatencyWindow(256)];
  private readonly cpu = new CpuMeter();
  private statsTimer: NodeJS.Timeout | null = null;
  private readonly slots = FrameSlotReader.fromEnv();
  /** Answers to frames that came on the control channel carry how many frame slots were read. */
  private readonly frameReply: Send = (m) =>
    this.control.send(this.slots && (m.type === 'result' || m.type === 'frame-dropped') ? { ...m, slotsRead: this.slots.count } : m);

  constructor(private readonly control: Channel) {}

  start(): void {
    this.control.onMessage((data, ports) => this.onControl(data, ports));
    this.control.send({ type: 'hello', pid: process.pid });
  }

  private onControl(data: unknown, ports: MessagePortLike[]): void {
    const parsed = parseMessage(WorkerInbound, data);
    if (!parsed.ok) {
      this.reject(`control message rejected: ${parsed.error}`, data, this.control.send);
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case 'init':
        if (ports[0]) this.attachDataPort(ports[0]);
        this.init(msg.config);
        break;
      case 'set-threshold':
        if (this.detector) {
          this.detector.scoreThreshold = msg.scoreThreshold;
          if (msg.labelThresholds) this.detector.setLabelThresholds(msg.labelThresholds);
        }
        break;
      case 'set-event-filters':
        this.events?.setFilters(msg.filters);
        break;
      case 'frame':
        this.accept(msg, this.frameReply);
        break;
      case 'frame-bytes':
        this.acceptBytes(msg.data);
        break;
      case 'frame-slot': {
        const read = readFrameSlot(this.slots, msg);
        return read.ok ? this.acceptBytes(read.bytes) : this.reject(`frame rejected: ${read.error}`);
      }
      case 'track-snapshot':
      case 'track-snapshot-bytes':
        this.events?.receiveSnapshot(msg);
        break;
      case 'calibrate':
        calibrate(msg, this.control.send);
        break;
      case 'data-port':
        if (ports.length > 1) return this.reject(`data-port rejected: ${ports.length} ports, at most one`);
        if (ports[0]) this.attachDataPort(ports[0]);
        else this.closeDataPort();
        break;
      case 'preview-subscribe':
        this.watching = msg.on;
        if (msg.on && !this.dataPort) this.engine?.viewerJoined();
        break;
      case 'stop':
        void this.stop();
        break;
    }
  }

  /** A frame in its binary form: decoded and validated here, the one place it is checked. */
  private acceptBytes(bytes: Uint8Array): void {
    const decoded = decodeFrame(bytes);
    if (decoded.ok) this.accept(decoded.frame, this.frameReply);
    else this.reject(`frame rejected: ${decoded.error}`, { type: 'frame', ...peekFrame(bytes) }, this.frameReply);
  }

  /** The port's other end went with its page: previews go back to the control channel (while watched). */
  private closeDataPort(): void {
    this.dataPort?.close();
    this.dataPort = null;
  }

  /** A new frame port (at init, or handed over when the page that holds the camera changes) replaces the old one. */
  private attachDataPort(port: MessagePortLike): void {
    this.closeDataPort();
    this.dataPort = port;
    // Electron's MessagePortMain says 'close' when the page's end is gone (reload, window closed).
    port.on?.('close', () => {
      if (this.dataPort === port) this.dataPort = null;
    });
    const reply: Send = (m) => port.postMessage(m);
    const listener = (e: { data: unknown }) => {
      const parsed = parseMessage(WorkerInbound, e.data);
      if (parsed.ok && parsed.value.type === 'track-snapshot') return this.events?.receiveSnapshot(parsed.value);
      if (!parsed.ok || parsed.value.type !== 'frame') {
        this.reject(`port message rejected: ${parsed.ok ? `unexpected ${parsed.value.type}` : parsed.error}`, parsed.ok ? undefined : e.data, reply);
        return;
      }
      this.accept(parsed.value, reply);
    };
    if (port.on) port.on('message', listener);
    else port.addEventListener?.('message', listener);
    port.start();
    // The page behind this port starts watching: the live view's start goes to it first.
    this.engine?.viewerJoined();
  }

  private init(config: WorkerConfig): void {
    if (this.detector) {
      this.reject('init rejected: this worker already has an interpreter');
      return;
    }
    this.config = config;
    const started = performance.now();
    try {
      this.detector = new Detector(config);
    } catch (err) {
      const code = err instanceof DetectorError ? err.code : 'model-invalid';
      const message = err instanceof Error ? err.message : String(err);
      // Nothing a restart can fix: the supervisor parks the camera in the error state.
      this.control.send({ type: 'error', cameraId: config.cameraId, code, message, fatal: true });
      return;
    }
    if (this.detector.delegateWarning) process.stderr.write(`[camera ${config.cameraId}] ${this.detector.delegateWarning}\n`);
    this.control.send({
      type: 'ready',
      cameraId: config.cameraId,
      pid: process.pid,
      model: this.detector.info,
      threads: this.detector.threads,
      delegate: this.detector.delegate,
      loadMs: performance.now() - started,
    });
    if (config.events) {
      const { filters, defaultLabel, threshold } = config.events;
      this.events = new WorkerEvents({ cameraId: config.cameraId, filters, defaultLabel, threshold, displayFrames: !!config.source, send: (m) => this.control.send(m), renderer: new SnapshotThread({ url: new URL(import.meta.url) }) });
    }
    this.statsTimer = setInterval(() => this.sendStats(), config.statsIntervalMs);
    // An engine-side camera is opened here (ffmpeg): its frames never leave this process.
    if (config.source) {
      this.engine = new EngineCamera({
        config: { ...config, source: config.source },
        input: this.detector,
        accept: (frame, reply) => this.accept(frame, reply),
        send: this.control.send,
        previewSink: () => (this.dataPort ? (m) => this.dataPort?.postMessage(m) : this.watching ? this.control.send : null),
        onPicture: (jpeg) => this.events?.setPreview(jpeg),
        active: () => (this.events ? this.events.active() : null),
        onStill: (now) => this.events?.hold(now),
        readerThread: { url: new URL(import.meta.url) },
      }).start();
    }
    this.sendStats();
  }

  private accept(frame: FrameMessage, reply: Send): void {
    this.framesReceived++;
    const config = this.config;
    const detector = this.detector;
    if (!config || !detector) {
      this.framesRejected++;
      reply({ type: 'frame-dropped', cameraId: frame.cameraId, frameId: frame.frameId, reason: 'not-ready' });
      return;
    }
    const expected = detector.inputWidth * detector.inputHeight * 3;
    let problem: string | null = null;
    if (frame.cameraId !== config.cameraId) problem = `frame for camera ${frame.cameraId} sent to camera ${config.cameraId}`;
    else if (frame.width !== detector.inputWidth || frame.height !== detector.inputHeight) {
      problem = `frame is ${frame.width}x${frame.height}, the model takes ${detector.inputWidth}x${detector.inputHeight}`;
    } else if (frame.data.byteLength !== expected) problem = `frame has ${frame.data.byteLength} bytes, expected ${expected} (RGB)`;
    if (problem) {
      this.framesRejected++;
      reply({ type: 'frame-dropped', cameraId: config.cameraId, frameId: frame.frameId, reason: 'rejected', message: problem });
      return;
    }
    if (this.waiting.length >= CameraWorker.MAX_WAITING) {
      const oldest = this.waiting.shift()!;
      this.framesSkipped++;
      oldest.reply({ type: 'frame-dropped', cameraId: config.cameraId, frameId: oldest.frame.frameId, reason: 'replaced' });
    }
    this.waiting.push({ frame, reply });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.runPending());
    }
  }

  private runPending(): void {
    this.scheduled = false;
    const detector = this.detector;
    if (this.waiting.length === 0 || !detector || !this.config) return;
    const { frame, reply } = this.waiting.shift()!;
    maybeHang(this.framesInferred);
    let output;
    try {
      output = detector.run(frame.data, frame.letterbox);
    } catch (err) {
      this.framesRejected++;
      const message = err instanceof Error ? err.message : String(err);
      reply({ type: 'frame-dropped', cameraId: this.config.cameraId, frameId: frame.frameId, reason: 'rejected', message });
      this.control.send({ type: 'error', cameraId: this.config.cameraId, code: 'inference-failed', message, fatal: false });
      return;
    }
    this.framesInferred++;
    this.rate.mark();
    this.inferLatency.add(output.inferMs);
    output.stageMs?.forEach((ms, i) => this.stages[i].add(ms));
    const endToEndMs = Date.now() - frame.acceptedAt;
    this.endToEnd.add(endToEndMs);
    reply({
      type: 'result',
      cameraId: this.config.cameraId,
      frameId: frame.frameId,
      detections: output.detections,
      outputs: output.outputs,
      inferMs: output.inferMs,
      endToEndMs,
      sourceWidth: frame.sourceWidth,
      sourceHeight: frame.sourceHeight,
    });
    // A page-captured frame's sender is asked for a full-size picture of a new or better track.
    this.events?.observe(Date.now(), output.detections, frame, this.engine ? null : reply, this.engine?.pictureFor(frame.frameId));
    if (this.waiting.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.runPending());
    }
  }

  /** Counts a malformed message; one that names a frame is answered, so its sender does not wait. */
  private reject(reason: string, data?: unknown, reply?: Send): void {
    this.messagesRejected++;
    const answer = reply && rejectedFrameReply(data, this.config?.cameraId, reason);
    if (answer) reply(answer);
    // Rate-limit the log: a flood of garbage must not become a flood of output.
    if (this.messagesRejected <= 5 || this.messagesRejected % 1000 === 0) {
      process.stderr.write(`[camera ${this.config?.cameraId ?? '?'}] ${reason} (${this.messagesRejected} rejected so far)\n`);
    }
  }

  private collectStats(): WorkerStats {
    return {
      pid: process.pid,
      threads: this.detector?.threads ?? this.config?.threads ?? 0,
      delegate: this.detector?.delegate ?? 'none',
      framesReceived: this.framesReceived,
      framesInferred: this.framesInferred,
      framesSkipped: this.framesSkipped + (this.engine?.readerSkipped ?? 0),
      framesRejected: this.framesRejected,
      messagesRejected: this.messagesRejected,
      ips1s: this.rate.rate(1000),
      ips5s: this.rate.rate(5000),
      inferP50Ms: this.inferLatency.percentile(50),
      inferP95Ms: this.inferLatency.percentile(95),
      endToEndP50Ms: this.endToEnd.percentile(50),
      endToEndP95Ms: this.endToEnd.percentile(95),
      rssBytes: process.memoryUsage.rss(),
      cpuPercent: this.cpu.percentSinceLast(),
      stageP50Ms: this.detector?.info.landmarks ? [this.stages[0].percentile(50), this.stages[1].percentile(50)] : undefined,
      source: this.engine?.stats(),
      motion: this.engine?.motionStats(),
      pageSnapshots: this.events?.pageSnapshotStats(),
    };
  }

  private sendStats(): void {
    if (!this.config) return;
    this.control.send({ type: 'stats', cameraId: this.config.cameraId, stats: this.collectStats() });
  }

  private async stop(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    await this.engine?.stop();
    await this.events?.stop();
    this.dataPort?.close();
    process.exit(0);
  }
}

// This entry also runs as the camera's threads: the ffmpeg reader (sources/reader-thread.ts) and
// the snapshot thread (snapshot-thread.ts).
if (workerData?.role === READER_THREAD_ROLE) {
  runReaderThread();
} else if (workerData?.role === SNAPSHOT_THREAD_ROLE) {
  runSnapshotThread();
} else {
  applyFaultInjection();
  new CameraWorker(openChannel()).start();
}
