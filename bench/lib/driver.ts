/**
 * The load generator every strategy shares: N streams, each with one frame in flight, sending the
 * next frame as soon as the previous answer is back (closed loop: the fastest the strategy can
 * go). A warm-up runs first; then results are counted for `seconds`. Latency is per frame, from
 * send to result, on this process's clock.
 */
import type { Detection } from '../../src/shared/contracts/frames';
import { percentile } from '../../src/shared/stats';
import { CpuMeter, type CpuReading } from './cpu';
import type { Attribution } from './frames';

export interface StreamAnswer {
  detections: Array<Pick<Detection, 'score' | 'box'>>;
  /** Time inside infer(), when the strategy reports it. */
  inferMs?: number;
  /** Any extra per-frame timings the strategy reports (worker-side end to end, ...). */
  extra?: Record<string, number>;
  /** The frame was not answered (dropped): counted, not timed. */
  dropped?: boolean;
}

export type Submit = (stream: number) => Promise<StreamAnswer>;

export interface DriveOptions {
  streams: number;
  /** Frames each stream keeps in flight (default 1): the next is sent as soon as any is answered. */
  depth?: number;
  seconds: number;
  warmupSeconds: number;
  attribution: Attribution;
  cores: number;
  onProgress?: (done: number, elapsed: number) => void;
}

export interface DriveResult {
  ips: number;
  perStreamIps: number;
  /** Slowest and fastest stream, to show fairness. */
  minStreamIps: number;
  maxStreamIps: number;
  p50Ms: number;
  p95Ms: number;
  cpu: number;
  cpuDetail: CpuReading;
  misattributed: number;
  dropped: number;
  frames: number;
  inferMs: number[];
  extra: Record<string, number[]>;
  latencies: number[];
}

/** The measured fields of a result row, as every strategy reports them. */
export function measuredFields(r: DriveResult) {
  return {
    ips: r.ips,
    per_stream_ips: r.perStreamIps,
    min_stream_ips: r.minStreamIps,
    max_stream_ips: r.maxStreamIps,
    p50_ms: r.p50Ms,
    p95_ms: r.p95Ms,
    cpu: r.cpu,
    misattributed: r.misattributed,
    dropped: r.dropped,
    frames: r.frames,
  };
}

export async function drive(submit: Submit, o: DriveOptions): Promise<DriveResult> {
  const cpu = new CpuMeter();
  const perStream = new Array<number>(o.streams).fill(0);
  const latencies: number[] = [];
  const inferMs: number[] = [];
  const extra: Record<string, number[]> = {};
  let misattributed = 0;
  let dropped = 0;
  let measuring = false;
  let stopping = false;
  let windowStart = 0;
  let windowEnd = 0;
  let done = 0;
  let failure: unknown = null;

  const loop = async (stream: number): Promise<void> => {
    while (!stopping) {
      const sent = performance.now();
      let answer: StreamAnswer;
      try {
        answer = await submit(stream);
      } catch (err) {
        failure ??= err;
        stopping = true;
        return;
      }
      const at = performance.now();
      if (!measuring || at < windowStart || at > windowEnd) continue;
      if (answer.dropped) {
        dropped++;
        continue;
      }
      done++;
      perStream[stream]++;
      latencies.push(at - sent);
      if (answer.inferMs !== undefined) inferMs.push(answer.inferMs);
      for (const [k, v] of Object.entries(answer.extra ?? {})) (extra[k] ??= []).push(v);
      if (!o.attribution.isOwn(stream, answer.detections)) misattributed++;
    }
  };

  const depth = Math.max(1, o.depth ?? 1);
  const loops = Array.from({ length: o.streams * depth }, (_, i) => loop(i % o.streams));
  await sleep(o.warmupSeconds * 1000);
  if (failure) throw failure;
  cpu.start();
  windowStart = performance.now();
  windowEnd = windowStart + o.seconds * 1000;
  measuring = true;
  const progress = o.onProgress
    ? setInterval(() => o.onProgress!(done, (performance.now() - windowStart) / 1000), 250)
    : undefined;
  await sleep(o.seconds * 1000);
  const cpuShare = cpu.stop(o.cores);
  stopping = true;
  if (progress) clearInterval(progress);
  await Promise.race([Promise.all(loops), sleep(10_000)]);
  if (failure) throw failure;
  // Answers that arrive inside the window count, whenever their frame was sent.
  const ips = done / o.seconds;
  const streamIps = perStream.map((n) => n / o.seconds);
  return {
    ips,
    perStreamIps: ips / o.streams,
    minStreamIps: Math.min(...streamIps),
    maxStreamIps: Math.max(...streamIps),
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    cpu: cpuShare.share,
    cpuDetail: cpuShare,
    misattributed,
    dropped,
    frames: done,
    inferMs,
    extra,
    latencies,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function median(values: number[]): number {
  return percentile(values, 50);
}
