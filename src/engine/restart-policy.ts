/**
 * What happens when a camera's worker ends unexpectedly: restart after a capped exponential
 * backoff, or, after too many failures in a row, stay in the error state with the reason. A worker
 * the watchdog killed was stuck rather than running, so a hang loop ends in error like a crash loop.
 */
import { backoffDelay } from '../shared/backoff';
import type { Camera } from './camera';

export interface RestartPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Consecutive failed starts after which the camera stays in the error state. */
  maxConsecutiveFailures: number;
  /** A worker that ran this long resets the failure count. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART: RestartPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 15_000,
  factor: 2,
  maxConsecutiveFailures: 6,
  stableAfterMs: 10_000,
};

export type ExitDecision = { action: 'fail'; message: string } | { action: 'restart'; delayMs: number; reason: string };

/** Counts the failure on the camera and decides what to do about it. */
export function decideAfterExit(
  policy: RestartPolicy,
  camera: Camera,
  exit: { code: number | null; signal: string | null; lastLine?: string },
  now: number,
): ExitDecision {
  const becameReady = camera.readyAt > camera.startedAt;
  // Only the time a watchdog-killed worker was heard counts, and a hang resets the count only
  // after a long healthy run.
  const ranFor = !becameReady ? 0 : camera.watchdogKill ? camera.lastHeard - camera.readyAt : now - camera.readyAt;
  const stableAfter = camera.watchdogKill ? policy.stableAfterMs * policy.maxConsecutiveFailures : policy.stableAfterMs;
  if (ranFor >= stableAfter) camera.consecutiveFailures = 0;
  camera.consecutiveFailures++;
  camera.restarts++;
  const ended = !exit.signal ? `exited with code ${exit.code}` : exit.signal.startsWith('SIG') ? `killed by ${exit.signal}` : `ended: ${exit.signal}`;
  const why = camera.killReason ? `${camera.killReason} (worker ${ended})` : `worker ${ended}`;
  if (camera.consecutiveFailures >= policy.maxConsecutiveFailures) {
    const last = exit.lastLine ? ` (last output: ${exit.lastLine})` : '';
    return { action: 'fail', message: `${why}; it failed ${camera.consecutiveFailures} times in a row, so it is not restarted again${last}` };
  }
  const delayMs = backoffDelay({ initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs, factor: policy.factor }, camera.consecutiveFailures - 1);
  return { action: 'restart', delayMs, reason: `${why}; restart ${camera.consecutiveFailures} of at most ${policy.maxConsecutiveFailures - 1} in a row` };
}

/**
 * The watchdog: a running worker silent for `watchdogMs` is stuck inside inference; a starting one
 * not ready after `startTimeoutMs` is stuck loading. Returns why it must be killed, or null.
 */
export function stuckReason(camera: Camera, now: number, watchdogMs: number, startTimeoutMs: number): string | null {
  if (!camera.worker || camera.killReason) return null;
  if (camera.state === 'running' && now - camera.lastHeard > watchdogMs) {
    camera.watchdogKill = true;
    return `watchdog: no heartbeat for ${now - camera.lastHeard} ms`;
  }
  if ((camera.state === 'starting' || camera.state === 'restarting') && now - camera.startedAt > startTimeoutMs) {
    return `not ready ${Math.round((now - camera.startedAt) / 1000)} s after start`;
  }
  return null;
}
