/**
 * Results of an engine-side camera on their way to main. Each message between processes costs
 * both of them a wake-up; the bench measured ~0.1-0.2 ms of CPU a side per message on a 2-core VM,
 * more than a tenth of an inference. A page that shows the camera needs each result at once (they
 * travel with its previews anyway), but while nobody watches, main only counts them (metrics): so
 * they go in batches, at most BATCH_MAX_MS apart or BATCH_MAX at a time. Tracking and events run
 * in the worker on every result either way.
 */
import type { ResultMessage } from '../shared/contracts/frames';
import type { WorkerOutbound } from '../shared/contracts/worker';

export const BATCH_MAX = 32;
export const BATCH_MAX_MS = 100;

export class ResultBatcher {
  private pending: ResultMessage[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly cameraId: string,
    private readonly send: (message: WorkerOutbound) => void,
  ) {}

  /** One result: straight out when `now` (someone watches), else into the batch. */
  add(result: ResultMessage, now: boolean): void {
    if (now) {
      this.flush();
      this.send(result);
      return;
    }
    this.pending.push(result);
    if (this.pending.length >= BATCH_MAX) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), BATCH_MAX_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const results = this.pending;
    this.pending = [];
    this.send(results.length === 1 ? results[0] : { type: 'results', cameraId: this.cameraId, results });
  }
}
