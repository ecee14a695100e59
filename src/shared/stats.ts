/** Small streaming statistics used by workers, the supervisor and the bench. */

/** Counts events and answers "how many per second over the last N ms". */
export class RateMeter {
  private readonly stamps: number[] = [];
  constructor(private readonly horizonMs = 5000) {}

  mark(now = Date.now()): void {
    this.stamps.push(now);
    // Trimming is left to rate() (about once a second), unless the list grows large.
    if (this.stamps.length > 65_536) this.trim(now);
  }

  rate(windowMs: number, now = Date.now()): number {
    this.trim(now);
    let n = 0;
    for (let i = this.stamps.length - 1; i >= 0 && this.stamps[i] > now - windowMs; i--) n++;
    return n / (windowMs / 1000);
  }

  private trim(now: number): void {
    let drop = 0;
    while (drop < this.stamps.length && this.stamps[drop] <= now - this.horizonMs) drop++;
    if (drop > 0) this.stamps.splice(0, drop);
  }
}

/** Percentiles over the most recent samples (a fixed ring). */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;
  constructor(size = 256) {
    this.samples = new Float64Array(size);
  }

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    return percentile(Array.from(this.samples.subarray(0, this.count)), p);
  }
}

/** Nearest-rank percentile, p in 0..100. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
