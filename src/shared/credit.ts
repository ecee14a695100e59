/**
 * Flow control by credit on the sending side of a camera's frame path. At most `maxInFlight` frames
 * are out at once; a frame offered while none is free replaces the one waiting, which counts as
 * skipped. The newest frame always wins. Each result or drop notice returns one credit.
 */
export class CreditGate<F> {
  private inFlight = 0;
  private pending: F | null = null;
  skipped = 0;
  sent = 0;

  constructor(
    private readonly send: (frame: F) => boolean,
    private maxInFlight = 1,
  ) {}

  /** Returns true if the frame went out now, false if it waits (replacing an older waiting frame). */
  offer(frame: F): boolean {
    if (this.inFlight < this.maxInFlight) return this.dispatch(frame);
    if (this.pending !== null) this.skipped++;
    this.pending = frame;
    return false;
  }

  /** A frame came back (result or drop): free its credit and send the waiting frame, if any. */
  release(): void {
    if (this.inFlight > 0) this.inFlight--;
    if (this.pending !== null && this.inFlight < this.maxInFlight) {
      const next = this.pending;
      this.pending = null;
      this.dispatch(next);
    }
  }

  /** The receiver went away (restart): nothing in flight will come back. */
  reset(): void {
    this.inFlight = 0;
    if (this.pending !== null) {
      const next = this.pending;
      this.pending = null;
      this.dispatch(next);
    }
  }

  setMaxInFlight(n: number): void {
    this.maxInFlight = Math.max(1, n);
  }

  get outstanding(): number {
    return this.inFlight;
  }

  private dispatch(frame: F): boolean {
    if (!this.send(frame)) {
      // The receiver is not there; keep the frame for when it is.
      this.pending = frame;
      return false;
    }
    this.inFlight++;
    this.sent++;
    return true;
  }
}
