/**
 * What happens when a camera's worker ends unexpectedly: restart after a capped exponential
 * backoff, or, after too many failures in a row, stay in the error state with the reason. A worker
 * the watchdog killed was stuck rather than running, so a hang loop ends in error like a crash loop.
 */
import { backoffDelay } from '../shared/backoff';
import type { CameraState } from '../shared/contracts/engine-api';

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

/** What a camera's life says about a worker that just ended (Camera.endedLife). */
export interface WorkerLife {
  /** When it said it was ready; not after startedAt if it never did. */
  readyAt: number;
  startedAt: number;
  /** Its last message. */
  lastHeard: number;
  /** The watchdog killed it for silence while running. */
  watchdogKill: boolean;
  /** Why the engine killed it, if it did. */
  killReason: string | null;
  /** Failed starts in a row before this one. */
  consecutiveFailures: number;
}

/** The decision, with the failure count the camera carries from now on. */
export type ExitDecision = { consecutiveFailures: number } & ({ action: 'fail'; message: string } | { action: 'restart'; delayMs: number; reason: string });

/** Decides what a worker's unexpected end means: a pure function of the policy, the life that ended and the exit. */
export function decideAfterExit(policy: RestartPolicy, life: WorkerLife, exit: { code: number | null; signal: string | null; lastLine?: string }, now: number): ExitDecision {
  const becameReady = life.readyAt > life.startedAt;
  // Only the time a watchdog-killed worker was heard counts, and a hang resets the count only
  // after a long healthy run.
  const ranFor = !becameReady ? 0 : life.watchdogKill ? life.lastHeard - life.readyAt : now - life.readyAt;
  const stableAfter = life.watchdogKill ? policy.stableAfterMs * policy.maxConsecutiveFailures : policy.stableAfterMs;
  const failures = (ranFor >= stableAfter ? 0 : life.consecutiveFailures) + 1;
  const ended = !exit.signal ? `exited with code ${exit.code}` : exit.signal.startsWith('SIG') ? `killed by ${exit.signal}` : `ended: ${exit.signal}`;
  const why = life.killReason ? `${life.killReason} (worker ${ended})` : `worker ${ended}`;
  if (failures >= policy.maxConsecutiveFailures) {
    const last = exit.lastLine ? ` (last output: ${exit.lastLine})` : '';
    return { consecutiveFailures: failures, action: 'fail', message: `${why}; it failed ${failures} times in a row, so it is not restarted again${last}` };
  }
  const delayMs = backoffDelay({ initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs, factor: policy.factor }, failures - 1);
  return { consecutiveFailures: failures, action: 'restart', delayMs, reason: `${why}; restart ${failures} of at most ${policy.maxConsecutiveFailures - 1} in a row` };
}

export type StuckVerdict = { reason: string; watchdog: boolean };

/** A worker as the watchdog sees it (Camera.watched): its camera's state, its launch, its last message. */
export interface WatchedLife {
  state: CameraState;
  startedAt: number;
  lastHeard: number;
  /** The engine is killing it already. */
  killing: boolean;
}

/**
 * The watchdog, as a question: a running worker silent for `watchdogMs` is stuck inside
 * inference (watchdog: true); a starting one not ready after `startTimeoutMs` is stuck loading.
 * Returns why it must be killed, or null; the caller records the kill.
 */
export function stuckReason(worker: WatchedLife | null, now: number, watchdogMs: number, startTimeoutMs: number): StuckVerdict | null {
  if (!worker || worker.killing) return null;
  if (worker.state === 'running' && now - worker.lastHeard > watchdogMs) {
    return { reason: `watchdog: no heartbeat for ${now - worker.lastHeard} ms`, watchdog: true };
  }
  if ((worker.state === 'starting' || worker.state === 'restarting') && now - worker.startedAt > startTimeoutMs) {
    return { reason: `not ready ${Math.round((now - worker.startedAt) / 1000)} s after start`, watchdog: false };
  }
  return null;
}
