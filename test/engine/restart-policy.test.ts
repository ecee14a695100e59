/** The restart policy and the watchdog as pure functions: decisions out, nothing of the camera changed. */
import { describe, expect, it } from 'vitest';
import { decideAfterExit, DEFAULT_RESTART, stuckReason, type WorkerLife } from '../../src/engine/restart-policy';

const crash = { code: 3, signal: null };

function life(patch: Partial<WorkerLife> = {}): WorkerLife {
  return Object.freeze({ readyAt: 0, startedAt: 1000, lastHeard: 1000, watchdogKill: false, killReason: null, consecutiveFailures: 0, ...patch });
}

describe('decideAfterExit', () => {
  it('restarts with a doubling wait, then gives up at the limit, saying why', () => {
    let failures = 0;
    const waits: number[] = [];
    for (;;) {
      const d = decideAfterExit(DEFAULT_RESTART, life({ consecutiveFailures: failures }), crash, 2000);
      failures = d.consecutiveFailures;
      if (d.action === 'fail') {
        expect(d.message).toMatch(/worker exited with code 3; it failed 6 times in a row, so it is not restarted again/);
        break;
      }
      waits.push(d.delayMs);
    }
    expect(waits).toEqual([250, 500, 1000, 2000, 4000]);
    expect(failures).toBe(DEFAULT_RESTART.maxConsecutiveFailures);
  });

  it('a worker that ran longer than stableAfterMs starts the count again', () => {
    const d = decideAfterExit(DEFAULT_RESTART, life({ startedAt: 0, readyAt: 100, consecutiveFailures: 5 }), { code: null, signal: 'SIGKILL' }, 100 + DEFAULT_RESTART.stableAfterMs);
    expect(d).toMatchObject({ action: 'restart', consecutiveFailures: 1, delayMs: 250 });
    if (d.action === 'restart') expect(d.reason).toMatch(/^worker killed by SIGKILL; restart 1 of at most 5 in a row$/);
  });

  it('a hung worker counts only the time it was heard, so a hang loop ends in error', () => {
    const hung = life({ startedAt: 0, readyAt: 100, lastHeard: 600, watchdogKill: true, killReason: 'watchdog: no heartbeat for 10000 ms', consecutiveFailures: 5 });
    const d = decideAfterExit(DEFAULT_RESTART, hung, { code: null, signal: 'SIGKILL' }, 100_000);
    expect(d.action).toBe('fail');
    if (d.action === 'fail') expect(d.message).toMatch(/^watchdog: no heartbeat for 10000 ms \(worker killed by SIGKILL\)/);
  });
});

describe('stuckReason', () => {
  const base = { killing: false, lastHeard: 0, startedAt: 0 };

  it('names a silent running worker as a watchdog kill and a slow start as not ready, changing nothing', () => {
    const running = Object.freeze({ ...base, state: 'running' as const });
    expect(stuckReason(running, 10_001, 10_000, 60_000)).toEqual({ reason: 'watchdog: no heartbeat for 10001 ms', watchdog: true });
    expect(stuckReason(running, 9_999, 10_000, 60_000)).toBeNull();
    const starting = Object.freeze({ ...base, state: 'starting' as const });
    expect(stuckReason(starting, 61_000, 10_000, 60_000)).toEqual({ reason: 'not ready 61 s after start', watchdog: false });
  });

  it('says nothing of a camera without a worker or one already being killed', () => {
    expect(stuckReason(null, 99_999, 10_000, 60_000)).toBeNull();
    expect(stuckReason({ ...base, killing: true, state: 'running' }, 99_999, 10_000, 60_000)).toBeNull();
  });
});
