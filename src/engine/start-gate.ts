/**
 * At most `limit` workers loading their model at once (the supervisor uses its core count). A
 * worker's start is CPU-bound (Node's start-up, reading and preparing the model, ffmpeg's first
 * frames): 64 cameras started together on 2 cores shared them so thinly that /api/stats took 13.7 s
 * and workers were killed as "not ready 60 s after start". Starts past the limit wait their turn in
 * order; a camera's turn ends when its worker is ready, exits, or the camera goes. The not-ready
 * timeout counts from the launch, so a camera waiting here is never killed for it.
 */
export class StartGate {
  private readonly loading = new Set<string>();
  private queue: Array<{ id: string; start: () => void }> = [];

  constructor(private readonly limit: number) {}

  /** Runs `start` now if a slot is free (or this camera holds one), else when one frees. */
  request(id: string, start: () => void): void {
    this.queue = this.queue.filter((q) => q.id !== id);
    if (this.loading.has(id) || this.loading.size < this.limit) {
      this.loading.add(id);
      start();
      return;
    }
    this.queue.push({ id, start });
  }

  /** The camera's worker is ready or gone, or the camera was removed: its slot (or place in line) frees. */
  release(id: string): void {
    this.queue = this.queue.filter((q) => q.id !== id);
    if (!this.loading.delete(id)) return;
    while (this.loading.size < this.limit && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.loading.add(next.id);
      next.start();
    }
  }

  /** Cameras waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }
}
