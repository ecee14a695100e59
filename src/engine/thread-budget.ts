/**
 * How many threads each interpreter gets.
 *
 * On 2 cores, 4 interpreters x 4 XNNPACK threads collapse to 2.4 inferences/s in all (spinning
 * thread pools starve each other), while 4 x 1 thread reach ~1,850. So: one thread per
 * interpreter whenever cameras >= cores. Spare cores go to extra threads only where a calibration
 * of that model on this machine showed they help; a user setting overrides all of this.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../node/files';
import { defaultLogger } from './logger';

export interface CalibrationPoint {
  threads: number;
  ips: number;
}

export interface BudgetInput {
  cameras: number;
  cores: number;
  /** A number from the user's settings, or 'auto'. */
  userThreads: number | 'auto';
  /** Calibration of this camera's model on this machine, if one was made. */
  calibration?: CalibrationPoint[];
}

/** Extra threads must buy at least this much more throughput to be worth a core. */
export const MIN_GAIN_PER_EXTRA_THREAD = 1.25;

export function threadsPerInterpreter(input: BudgetInput): number {
  if (input.userThreads !== 'auto') return input.userThreads;
  const cameras = Math.max(1, input.cameras);
  if (cameras >= input.cores) return 1;
  const spare = Math.floor(input.cores / cameras);
  const baseline = input.calibration?.find((p) => p.threads === 1);
  if (!baseline || baseline.ips <= 0) return 1;
  let best = 1;
  let bestIps = baseline.ips;
  for (const point of input.calibration ?? []) {
    if (point.threads <= 1 || point.threads > spare) continue;
    // Each thread beyond the first has to pay for its core.
    const needed = bestIps * Math.pow(MIN_GAIN_PER_EXTRA_THREAD, point.threads - best);
    if (point.ips >= needed) {
      best = point.threads;
      bestIps = point.ips;
    }
  }
  return best;
}

export interface CameraLoad {
  id: string;
  /** 2 for a two-stage camera (detector + landmark model): two interpreters, two thread pools. */
  interpreters: number;
  /** Calibration of its model (both stages for a two-stage one) on this machine, if made. */
  calibration?: CalibrationPoint[];
}

/**
 * Threads for every camera at once, weighing each by the cost of its model. Interpreters x threads
 * never exceed the cores, counting both interpreters of a two-stage camera. When interpreters fill
 * the cores everyone gets one thread; otherwise the cores are shared in proportion to each camera's
 * time per frame (from its calibration at one thread; an uncalibrated camera counts as the
 * cheapest), so a 15 ms model gets the spare cores before a 1 ms one, and a share buys extra
 * threads only where the calibration showed they pay (MIN_GAIN_PER_EXTRA_THREAD each).
 */
export function allocateThreads(cameras: CameraLoad[], cores: number, userThreads: number | 'auto'): Map<string, number> {
  const out = new Map<string, number>();
  if (userThreads !== 'auto') {
    for (const c of cameras) out.set(c.id, userThreads);
    return out;
  }
  const interpreters = cameras.reduce((n, c) => n + Math.max(1, c.interpreters), 0);
  for (const c of cameras) out.set(c.id, 1);
  if (interpreters >= cores || cameras.length === 0) return out;
  const costs = cameras.map((c) => {
    const one = c.calibration?.find((p) => p.threads === 1);
    return one && one.ips > 0 ? 1000 / one.ips : 0;
  });
  const known = costs.filter((x) => x > 0);
  const floor = known.length > 0 ? Math.min(...known) : 1;
  const weights = costs.map((x) => (x > 0 ? x : floor));
  const total = weights.reduce((a, b) => a + b, 0);
  cameras.forEach((c, i) => {
    const share = Math.max(1, Math.floor((cores * weights[i]) / total / Math.max(1, c.interpreters)));
    out.set(c.id, threadsPerInterpreter({ cameras: 1, cores: share, userThreads: 'auto', calibration: c.calibration }));
  });
  // Rounding never lets the sum pass the cores; trim the biggest if it would.
  const used = () => cameras.reduce((n, c) => n + Math.max(1, c.interpreters) * out.get(c.id)!, 0);
  while (used() > cores) {
    const biggest = cameras.reduce((a, b) => (out.get(b.id)! > out.get(a.id)! ? b : a));
    if (out.get(biggest.id)! <= 1) break;
    out.set(biggest.id, out.get(biggest.id)! - 1);
  }
  return out;
}

/** The thread counts worth measuring on this machine: 1 and every count up to the cores. */
export function calibrationThreadCounts(cores: number): number[] {
  const counts = [1];
  for (let t = 2; t <= Math.min(cores, 8); t *= 2) counts.push(t);
  if (cores <= 8 && !counts.includes(cores)) counts.push(cores);
  return counts;
}

const CacheFile = z.object({
  version: z.literal(1),
  entries: z.record(
    z.string(),
    z.object({ at: z.number(), cores: z.number(), delegate: z.string(), points: z.array(z.object({ threads: z.number(), ips: z.number() })) }),
  ),
});
type CacheFile = z.infer<typeof CacheFile>;

/** Calibrations kept per model, delegate and core count, in one JSON file written atomically. */
export class CalibrationCache {
  private data: CacheFile = { version: 1, entries: {} };

  constructor(private readonly file: string | null) {
    if (file && existsSync(file)) {
      try {
        this.data = CacheFile.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        // A damaged cache is only a cache: measure again.
        this.data = { version: 1, entries: {} };
      }
    }
  }

  static key(modelPath: string, delegate: string, cores: number): string {
    return `${modelPath}|${delegate}|${cores}`;
  }

  get(key: string): CalibrationPoint[] | undefined {
    return this.data.entries[key]?.points;
  }

  set(key: string, delegate: string, cores: number, points: CalibrationPoint[]): void {
    this.data.entries[key] = { at: Date.now(), cores, delegate, points };
    if (!this.file) return;
    try {
      writeFileAtomic(this.file, JSON.stringify(this.data, null, 2));
    } catch (err) {
      defaultLogger().warn(`cannot save the thread calibration to ${this.file}: ${(err as Error).message}`);
    }
  }
}
