/**
 * Capped exponential backoff, the one rule every retry in the app follows (a camera's worker, its
 * ffmpeg, the MQTT connection): the wait before retry n (0 for the first) is
 * initialMs × factor^n, at most maxMs.
 */
export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** 2 unless said otherwise. */
  factor?: number;
}

export function backoffDelay(backoff: Backoff, retry: number): number {
  return Math.min(backoff.maxMs, backoff.initialMs * (backoff.factor ?? 2) ** Math.max(0, retry));
}
