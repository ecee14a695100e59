/**
 * The engine's counters for scripts and monitoring: GET /api/stats (JSON) and GET /metrics
 * (Prometheus text format 0.0.4). Both are views of one EngineSnapshot.
 */
import type { CameraStatus, EngineSnapshot } from '../shared/contracts/engine-api';

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
}

/** Counters of the transport itself (serve mode's WebSocket). */
export interface ServerCounters {
  /** Pages and scripts connected now. */
  clients: number;
  /** Malformed WebSocket messages since start. */
  invalidMessages: number;
}

export interface StatsResponse {
  at: number;
  cores: number;
  capacityIps: number | null;
  server?: ServerCounters;
  cameras: CameraStats[];
}

export function statsFromSnapshot(snapshot: EngineSnapshot, server?: ServerCounters): StatsResponse {
  return {
    at: snapshot.at,
    cores: snapshot.cores,
    capacityIps: snapshot.capacityIps,
    ...(server ? { server } : {}),
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
    })),
  };
}

interface Metric {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  value: (c: CameraStatus) => number;
}

const CAMERA_STATES: CameraStatus['state'][] = ['starting', 'running', 'error', 'restarting', 'stopped'];

const CAMERA_METRICS: Metric[] = [
  { name: 'multicam_camera_up', help: 'Whether the camera worker is running and ready (1) or not (0).', type: 'gauge', value: (c) => (c.state === 'running' ? 1 : 0) },
  { name: 'multicam_camera_threads', help: 'Interpreter threads of the camera worker.', type: 'gauge', value: (c) => c.threads },
  { name: 'multicam_camera_restarts_total', help: 'Times the camera worker was restarted after a crash or hang.', type: 'counter', value: (c) => c.restarts },
  { name: 'multicam_camera_ips', help: 'Inferences per second over the last 5 seconds.', type: 'gauge', value: (c) => c.ips5s },
  { name: 'multicam_camera_inference_p50_ms', help: 'Median inference latency in milliseconds.', type: 'gauge', value: (c) => c.inferP50Ms },
  { name: 'multicam_camera_inference_p95_ms', help: '95th percentile inference latency in milliseconds.', type: 'gauge', value: (c) => c.inferP95Ms },
  { name: 'multicam_camera_end_to_end_p50_ms', help: 'Median latency from frame accepted to result, in milliseconds.', type: 'gauge', value: (c) => c.endToEndP50Ms },
  { name: 'multicam_camera_end_to_end_p95_ms', help: '95th percentile latency from frame accepted to result, in milliseconds.', type: 'gauge', value: (c) => c.endToEndP95Ms },
  { name: 'multicam_camera_frames_received_total', help: 'Frames that reached the camera worker.', type: 'counter', value: (c) => c.framesReceived },
  { name: 'multicam_camera_frames_inferred_total', help: 'Frames the interpreter ran on.', type: 'counter', value: (c) => c.framesInferred },
  { name: 'multicam_camera_frames_skipped_total', help: 'Frames replaced by a newer one before inference.', type: 'counter', value: (c) => c.framesSkipped },
  { name: 'multicam_camera_frames_rejected_total', help: 'Frames rejected as malformed or not matching the model.', type: 'counter', value: (c) => c.framesRejected },
  { name: 'multicam_camera_messages_rejected_total', help: 'Malformed messages dropped on the way to or from the worker.', type: 'counter', value: (c) => c.messagesRejected },
  { name: 'multicam_camera_rss_bytes', help: 'Resident memory of the camera worker process in bytes.', type: 'gauge', value: (c) => c.rssBytes },
  { name: 'multicam_camera_cpu_percent', help: 'CPU use of the camera worker process in percent of one core.', type: 'gauge', value: (c) => c.cpuPercent },
];

/** Label values are quoted strings: escape backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

export function prometheusText(snapshot: EngineSnapshot, server?: ServerCounters): string {
  const lines: string[] = [];
  const labels = (c: CameraStatus, extra = ''): string =>
    `{camera_id="${escapeLabelValue(c.id)}",camera_name="${escapeLabelValue(c.name)}"${extra}}`;

  lines.push('# HELP multicam_cores CPU cores the engine budgets threads for.', '# TYPE multicam_cores gauge', `multicam_cores ${snapshot.cores}`);
  lines.push('# HELP multicam_cameras Configured cameras.', '# TYPE multicam_cameras gauge', `multicam_cameras ${snapshot.cameras.length}`);
  if (snapshot.capacityIps !== null) {
    lines.push(
      '# HELP multicam_capacity_ips Aggregate inferences per second this machine can reach for the default model.',
      '# TYPE multicam_capacity_ips gauge',
      `multicam_capacity_ips ${formatValue(snapshot.capacityIps)}`,
    );
  }
  if (server) {
    lines.push('# HELP multicam_ws_clients WebSocket clients connected.', '# TYPE multicam_ws_clients gauge', `multicam_ws_clients ${server.clients}`);
    lines.push(
      '# HELP multicam_ws_invalid_messages_total Malformed WebSocket messages received.',
      '# TYPE multicam_ws_invalid_messages_total counter',
      `multicam_ws_invalid_messages_total ${server.invalidMessages}`,
    );
  }
  lines.push('# HELP multicam_camera_state Camera state: 1 for the current state, 0 for the others.', '# TYPE multicam_camera_state gauge');
  for (const c of snapshot.cameras) {
    for (const state of CAMERA_STATES) lines.push(`multicam_camera_state${labels(c, `,state="${state}"`)} ${c.state === state ? 1 : 0}`);
  }
  for (const metric of CAMERA_METRICS) {
    lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`);
    for (const c of snapshot.cameras) lines.push(`${metric.name}${labels(c)} ${formatValue(metric.value(c))}`);
  }
  return `${lines.join('\n')}\n`;
}
