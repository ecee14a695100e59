/**
 * Flow limits where frames arrive in serve mode, so one client cannot starve the others:
 *
 * - Each camera takes at most its `maxFps` frames a second (DEFAULT_MAX_FPS when it sets none).
 *   Only frames the sender may send are counted (the engine checks that first: the page that
 *   captures the camera, or anyone for an `external` one), so a client flooding a camera that is
 *   not its own is refused as such and cannot use up its owner's rate. A frame over the rate is
 *   answered as rejected at once, before it is copied, validated or sent to the worker, so a flood
 *   costs the other cameras' workers nothing.
 * - Each client gets a turn of at most MESSAGES_PER_TURN messages; then its socket is paused until
 *   the event loop has served everything else that is waiting (setImmediate), so a burst of small
 *   messages from one socket cannot hold the loop.
 */

/** Frames a second a camera takes when its config sets no maxFps. */
export const DEFAULT_MAX_FPS = 60;
/** Messages one client may have handled before the others get a turn. */
export const MESSAGES_PER_TURN = 32;

/** A token bucket: `rate` tokens a second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private rate: number,
    private burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  setRate(rate: number, burst: number): void {
    this.rate = rate;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A renderer's capture paces itself to maxFps with a little jitter; two frames of slack cover it. */
function burstFor(fps: number): number {
  return Math.max(2, Math.ceil(fps / 10));
}

/** One bucket per camera, shared by every client that sends it frames. */
export class CameraRateLimits {
  private readonly buckets = new Map<string, { fps: number; bucket: TokenBucket }>();

  constructor(
    private readonly maxFpsOf: (cameraId: string) => number | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The rate a camera is held to. */
  fpsOf(cameraId: string): number {
    return this.maxFpsOf(cameraId) ?? DEFAULT_MAX_FPS;
  }

  /** True when a frame for this camera may go on now. */
  allow(cameraId: string): boolean {
    const fps = this.fpsOf(cameraId);
    const now = this.now();
    let entry = this.buckets.get(cameraId);
    if (!entry) {
      if (this.buckets.size > 1024) this.buckets.clear();
      entry = { fps, bucket: new TokenBucket(fps, burstFor(fps), now) };
      this.buckets.set(cameraId, entry);
    } else if (entry.fps !== fps) {
      entry.fps = fps;
      entry.bucket.setRate(fps, burstFor(fps));
    }
    return entry.bucket.take(now);
  }

  forget(cameraId: string): void {
    this.buckets.delete(cameraId);
  }
}

/**
 * Counts a client's messages in the current turn of the event loop; after `perTurn` of them it
 * pauses the client's socket until the loop has come round (setImmediate runs after the I/O
 * callbacks of every other socket that is ready). A message already read may still arrive while
 * paused: the limit is one socket read beyond the turn.
 */
export class TurnTaker {
  private handled = 0;
  private paused = false;
  /** Times this client had to wait for the others. */
  pauses = 0;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly perTurn = MESSAGES_PER_TURN,
  ) {}

  count(): void {
    if (this.handled++ === 0) setImmediate(() => this.endTurn());
    if (this.handled === this.perTurn && !this.paused) {
      this.paused = true;
      this.pauses++;
      this.pause();
    }
  }

  private endTurn(): void {
    this.handled = 0;
    if (!this.paused) return;
    this.paused = false;
    this.resume();
  }
}
