/**
 * The engine's counters for scripts and monitoring: GET /api/stats (JSON, the dashboard's own
 * figures) and GET /metrics (Prometheus, through prom-client). Names and units follow
 * Prometheus's conventions: base units (seconds, bytes, ratios), counters end in `_total`, and
 * latencies are histograms of every result this server carried, so Prometheus can aggregate them
 * and work out any quantile. Everything else is read from the engine snapshot at scrape time.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CameraStatus, EngineSnapshot } from '../shared/contracts/engine-api';
import type { FrameChannelInbound } from '../shared/contracts/frames';

export interface CameraStats {
  id: string;
  name: string;
  state: CameraStatus['state'];
  error?: string;
  model: string;
  pid: number | null;
  threads: number;
  delegate: CameraStatus['delegate'];
  restarts: number;
  /** Inferences a second over the last five seconds. */
  ips: number;
  ips1s: number;
  /** Inference latency percentiles (the interpreter's invoke plus decoding). */
  p50_ms: number;
  p95_ms: number;
  e2e_p50_ms: number;
  e2e_p95_ms: number;
  skipped: number;
  framesReceived: number;
  framesInferred: number;
  framesRejected: number;
  messagesRejected: number;
  rss: number;
  cpu: number;
  /** Page-captured cameras with events: pictures asked of the page, stored, and ignored or refused by reason. */
  page_snapshots?: CameraStatus['pageSnapshots'];
  /** Engine-side cameras (ffmpeg): decoded frames a second, ffmpeg restarts, its pid, CPU % and RSS. */
  fps?: number;
  reconnects?: number;
  ffmpeg_pid?: number | null;
  ffmpeg_cpu?: number | null;
  ffmpeg_rss?: number | null;
  /** Engine-side cameras in detect mode 'motion': motion now, share of frames with motion, inferences skipped for none. */
  motion?: boolean;
  motion_share?: number;
  skipped_no_motion?: number;
}

/** Counters of the transport itself (serve mode's WebSocket). */
export interface ServerCounters {
  /** Pages and scripts connected now. */
  clients: number;
  /** Malformed WebSocket messages since start. */
  invalidMessages: number;
  /** Frames refused because their camera was over its maxFps. */
  framesOverRate: number;
  /** Times a client's socket was paused so the others could go first. */
  clientPauses: number;
}

export interface StatsResponse {
  at: number;
  cores: number;
  capacityIps: number | null;
  server?: ServerCounters;
  cameras: CameraStats[];
  /** Which ffmpeg engine-side cameras run, and its version. */
  ffmpeg?: EngineSnapshot['ffmpeg'];
}

export function statsFromSnapshot(snapshot: EngineSnapshot, server?: ServerCounters): StatsResponse {
  return {
    at: snapshot.at,
    cores: snapshot.cores,
    capacityIps: snapshot.capacityIps,
    ...(server ? { server } : {}),
    ...(snapshot.ffmpeg ? { ffmpeg: snapshot.ffmpeg } : {}),
    cameras: snapshot.cameras.map((c) => ({
      id: c.id,
      name: c.name,
      state: c.state,
      ...(c.error ? { error: c.error } : {}),
      model: c.model,
      pid: c.pid,
      threads: c.threads,
      delegate: c.delegate,
      restarts: c.restarts,
      ips: c.ips5s,
      ips1s: c.ips1s,
      p50_ms: c.inferP50Ms,
      p95_ms: c.inferP95Ms,
      e2e_p50_ms: c.endToEndP50Ms,
      e2e_p95_ms: c.endToEndP95Ms,
      skipped: c.framesSkipped,
      framesReceived: c.framesReceived,
      framesInferred: c.framesInferred,
      framesRejected: c.framesRejected,
      messagesRejected: c.messagesRejected,
      rss: c.rssBytes,
      cpu: c.cpuPercent,
      ...(c.pageSnapshots ? { page_snapshots: c.pageSnapshots } : {}),
      ...(c.fps !== undefined
        ? { fps: c.fps, reconnects: c.reconnects ?? 0, ffmpeg_pid: c.ffmpegPid ?? null, ffmpeg_cpu: c.ffmpegCpuPercent ?? null, ffmpeg_rss: c.ffmpegRssBytes ?? null }
        : {}),
      ...(c.motion !== undefined ? { motion: c.motion, motion_share: c.motionShare ?? 0, skipped_no_motion: c.skippedNoMotion ?? 0 } : {}),
    })),
  };
}

const CAMERA_STATES: CameraStatus['state'][] = ['starting', 'running', 'connecting', 'no-signal', 'error', 'restarting', 'stopped'];
const CAMERA_LABELS = ['camera_id', 'camera_name'] as const;
type CameraLabel = (typeof CAMERA_LABELS)[number];
/** Seconds: BlazeFace runs in about a millisecond; a loaded machine or a big model takes far longer. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const labelsOf = (c: CameraStatus): Record<CameraLabel, string> => ({ camera_id: c.id, camera_name: c.name });

/** Per-camera series read from the snapshot: gauges, and counters the workers keep. null: not this camera's (no ffmpeg). */
const CAMERA_SERIES: Array<{ name: string; help: string; counter?: true; value: (c: CameraStatus) => number | null | undefined }> = [
  { name: 'multicam_camera_up', help: 'Whether the camera worker is running and ready (1) or not (0).', value: (c) => (c.state === 'running' ? 1 : 0) },
  { name: 'multicam_camera_threads', help: 'Interpreter threads of the camera worker.', value: (c) => c.threads },
  { name: 'multicam_camera_inferences_per_second', help: 'Inferences per second over the last 5 seconds, as the worker measures them.', value: (c) => c.ips5s },
  { name: 'multicam_camera_resident_memory_bytes', help: 'Resident memory of the camera worker process.', value: (c) => c.rssBytes },
  { name: 'multicam_camera_cpu_ratio', help: 'CPU use of the camera worker process, as a fraction of one core.', value: (c) => c.cpuPercent / 100 },
  { name: 'multicam_camera_restarts_total', help: 'Times the camera worker was restarted after a crash or hang.', counter: true, value: (c) => c.restarts },
  { name: 'multicam_camera_frames_received_total', help: 'Frames that reached the current camera worker.', counter: true, value: (c) => c.framesReceived },
  { name: 'multicam_camera_frames_inferred_total', help: 'Frames the current worker ran the interpreter on.', counter: true, value: (c) => c.framesInferred },
  { name: 'multicam_camera_frames_skipped_total', help: 'Frames replaced by a newer one before inference.', counter: true, value: (c) => c.framesSkipped },
  { name: 'multicam_camera_frames_rejected_total', help: 'Frames rejected as malformed or not matching the model.', counter: true, value: (c) => c.framesRejected },
  { name: 'multicam_camera_messages_rejected_total', help: 'Malformed messages dropped on the way to or from the worker.', counter: true, value: (c) => c.messagesRejected },
  { name: 'multicam_camera_decoded_frames_per_second', help: "Frames a second the camera's own ffmpeg decoded (engine-side cameras).", value: (c) => c.fps },
  { name: 'multicam_camera_reconnects_total', help: "Times the camera's ffmpeg was started again (engine-side cameras).", counter: true, value: (c) => c.reconnects },
  { name: 'multicam_camera_ffmpeg_pid', help: "Process id of the camera's ffmpeg.", value: (c) => c.ffmpegPid },
  { name: 'multicam_camera_ffmpeg_cpu_ratio', help: "CPU use of the camera's ffmpeg, as a fraction of one core.", value: (c) => (c.ffmpegCpuPercent == null ? null : c.ffmpegCpuPercent / 100) },
  { name: 'multicam_camera_ffmpeg_resident_memory_bytes', help: "Resident memory of the camera's ffmpeg.", value: (c) => c.ffmpegRssBytes },
  { name: 'multicam_camera_motion', help: 'Whether the camera sees motion now (1) or not (0) (detect mode motion).', value: (c) => (c.motion === undefined ? null : c.motion ? 1 : 0) },
  { name: 'multicam_camera_motion_frames_ratio', help: 'Share of the frames looked at that had motion (detect mode motion).', value: (c) => c.motionShare },
  { name: 'multicam_camera_inferences_skipped_no_motion_total', help: 'Frames not inferred because nothing moved (detect mode motion).', counter: true, value: (c) => c.skippedNoMotion },
];

export interface MetricsSources {
  snapshot: () => EngineSnapshot;
  server: () => ServerCounters;
}

/** One prom-client registry per server: engine series from the snapshot, latency histograms, process metrics. */
export class ServeMetrics {
  readonly registry = new Registry();
  private readonly inference: Histogram<'camera_id'>;
  private readonly endToEnd: Histogram<'camera_id'>;
  private snapshot: EngineSnapshot | null = null;
  /** Cameras with latency series, so a removed camera's series go too. */
  private readonly observed = new Set<string>();

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    // Each scrape reads one snapshot; every collect below uses it.
    const fresh = (): EngineSnapshot => (this.snapshot ??= sources.snapshot());
    new Gauge({ name: 'multicam_cores', help: 'CPU cores the engine budgets threads for.', registers, collect() { this.set(fresh().cores); } });
    new Gauge({ name: 'multicam_cameras', help: 'Configured cameras.', registers, collect() { this.set(fresh().cameras.length); } });
    new Gauge({
      name: 'multicam_capacity_inferences_per_second',
      help: 'Aggregate inferences per second this machine can reach for the default model (source: bench or calibration).',
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        const s = fresh();
        if (s.capacityIps !== null && s.capacitySource !== 'none') this.set({ source: s.capacitySource }, s.capacityIps);
      },
    });
    new Gauge({ name: 'multicam_ws_clients', help: 'WebSocket clients connected.', registers, collect() { this.set(sources.server().clients); } });
    const serverCounter = (name: string, help: string, value: (s: ServerCounters) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(value(sources.server()));
        },
      });
    serverCounter('multicam_ws_invalid_messages_total', 'Malformed WebSocket messages received.', (s) => s.invalidMessages);
    serverCounter('multicam_ws_frames_over_rate_total', "Frames refused because their camera was over its maxFps.", (s) => s.framesOverRate);
    serverCounter('multicam_ws_client_pauses_total', "Times a client's socket was paused so that other clients could go first.", (s) => s.clientPauses);

    new Gauge({
      name: 'multicam_camera_state',
      help: 'Camera state: 1 for the current state, 0 for the others.',
      labelNames: [...CAMERA_LABELS, 'state'],
      registers,
      collect() {
        this.reset();
        for (const c of fresh().cameras) for (const state of CAMERA_STATES) this.set({ ...labelsOf(c), state }, c.state === state ? 1 : 0);
      },
    });
    for (const series of CAMERA_SERIES) {
      const common = { name: series.name, help: series.help, labelNames: CAMERA_LABELS, registers };
      if (series.counter) {
        new Counter<CameraLabel>({
          ...common,
          collect() {
            this.reset();
            for (const c of fresh().cameras) {
              const value = series.value(c);
              if (value != null) this.inc(labelsOf(c), Math.max(0, value));
            }
          },
        });
      } else {
        new Gauge<CameraLabel>({
          ...common,
          collect() {
            this.reset();
            for (const c of fresh().cameras) {
              const value = series.value(c);
              if (value != null) this.set(labelsOf(c), value);
            }
          },
        });
      }
    }
    this.inference = new Histogram({
      name: 'multicam_camera_inference_duration_seconds',
      help: 'Time the worker spent on one frame: the interpreter invoke plus decoding, for results sent to WebSocket clients.',
      labelNames: ['camera_id'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.endToEnd = new Histogram({
      name: 'multicam_camera_end_to_end_duration_seconds',
      help: 'Time from a frame accepted by the server to its result out of the worker, for results sent to WebSocket clients.',
      labelNames: ['camera_id'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    // The server process itself (CPU seconds, memory, event-loop lag). prom-client's event-loop
    // lag percentiles are gauges of quantiles, and its active handle/request/resource counts are
    // gauges named `_total`; both break the conventions above (promtool says so): dropped.
    collectDefaultMetrics({ register: this.registry, prefix: 'multicam_serve_' });
    for (const metric of this.registry.getMetricsAsArray()) {
      const name = (metric as unknown as { name: string }).name;
      if (/_eventloop_lag_(p\d+|min|max|mean|stddev)_seconds$|_active_(handles|requests|resources)_total$/.test(name)) this.registry.removeSingleMetric(name);
    }
  }

  /** Records a result's latencies (drop notices carry none). */
  observe(message: FrameChannelInbound): void {
    if (message.type !== 'result') return;
    this.observed.add(message.cameraId);
    this.inference.observe({ camera_id: message.cameraId }, message.inferMs / 1000);
    if (message.endToEndMs >= 0) this.endToEnd.observe({ camera_id: message.cameraId }, message.endToEndMs / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async text(): Promise<string> {
    this.snapshot = this.sources.snapshot();
    const present = new Set(this.snapshot.cameras.map((c) => c.id));
    for (const id of this.observed) {
      if (present.has(id)) continue;
      this.observed.delete(id);
      this.inference.remove({ camera_id: id });
      this.endToEnd.remove({ camera_id: id });
    }
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = null;
    }
  }
}
