/**
 * The camera's state machine (src/engine/camera.ts) on its own: each transition, what it does to the
 * state, the reason and the counters, and that a transition where it does not apply throws. The
 * decisions come from the real restart policy; no process is involved.
 */
import { describe, expect, it } from 'vitest';
import { Camera } from '../../src/engine/camera';
import { decideAfterExit, DEFAULT_RESTART, stuckReason } from '../../src/engine/restart-policy';
import type { ModelInfo, WorkerStats } from '../../src/shared/contracts/worker';

const MODEL = { path: '/models/face.tflite', landmarkPath: undefined };
const INFO: ModelInfo = { name: 'face', path: MODEL.path, decoder: 'raw', inputWidth: 128, inputHeight: 128, inputs: [], outputs: [] };

function camera(): Camera {
  return new Camera({ id: 'cam-1', name: 'Door', source: { kind: 'external' } });
}

function stats(framesInferred: number): WorkerStats {
  return {
    pid: 1,
    threads: 1,
    delegate: 'none',
    framesReceived: framesInferred,
    framesInferred,
    framesSkipped: 0,
    framesRejected: 0,
    messagesRejected: 0,
    ips1s: 5,
    ips5s: 5,
    inferP50Ms: 1,
    inferP95Ms: 2,
    endToEndP50Ms: 3,
    endToEndP95Ms: 4,
    rssBytes: 1,
    cpuPercent: 1,
  };
}

/** A camera whose worker launched at `at` and said it was ready at `at + 100`. */
function running(at = 1000): Camera {
  const c = camera();
  c.launched(at, MODEL, false);
  c.ready(at + 100, INFO, 'xnnpack');
  return c;
}

/** The restart policy's decision for the camera's worker ending with `code` at `now`. */
const decide = (c: Camera, now: number, code = 3) => decideAfterExit(DEFAULT_RESTART, c.endedLife(), { code, signal: null }, now);

describe('Camera', () => {
  it('starts, loads and runs: starting until its worker is ready, then running with the model and delegate it reported', () => {
    const c = camera();
    expect([c.state, c.canLaunch, c.loading]).toEqual(['starting', true, false]);
    c.launched(1000, MODEL, true);
    expect([c.state, c.canLaunch, c.loading, c.hasSource]).toEqual(['starting', false, true, true]);
    expect(c.view().source).toEqual({ state: 'connecting', reason: null });
    expect(c.modelPath).toBe(MODEL.path);
    c.ready(1100, INFO, 'xnnpack');
    expect(c.view()).toMatchObject({ state: 'running', error: undefined, modelInfo: INFO, delegate: 'xnnpack', restarts: 0 });
    expect(c.becameReady).toBe(true);
  });

  it('refuses transitions that do not apply: ready before a launch, a second launch, a crash without a worker', () => {
    const c = camera();
    expect(() => c.ready(1, INFO, 'none')).toThrow(/cam-1: ready is not a transition from starting/);
    expect(() => c.crashed({ action: 'restart', delayMs: 1, reason: 'x', consecutiveFailures: 1 }, 1)).toThrow(/crashed is not a transition from starting/);
    expect(() => c.heard(1)).toThrow(/heard/);
    c.launched(1, MODEL, false);
    expect(() => c.launched(2, MODEL, false)).toThrow(/launched is not a transition from starting, its worker loading/);
    c.ready(2, INFO, 'none');
    expect(() => c.ready(3, INFO, 'none')).toThrow(/ready is not a transition from running/);
    expect(() => c.replaced()).toThrow(/replaced/);
    expect(() => c.lostWhileLoading()).toThrow(/lostWhileLoading is not a transition from running/);
    expect(c.state).toBe('running');
  });

  it('a crash restarts after the backoff, saying why until the new worker is ready; the counters of the life that ended are kept', () => {
    const c = running();
    c.statsReported(stats(7));
    c.crashed(decide(c, 2000), 2000);
    expect(c.view()).toMatchObject({ state: 'restarting', error: 'worker exited with code 3; restart 1 of at most 5 in a row', nextRestartAt: 2250, restarts: 1, stats: null });
    expect(c.view().carried.framesInferred).toBe(7);
    expect(c.canLaunch).toBe(true);
    c.launched(2300, MODEL, false);
    // Still restarting, with the reason, while the new worker loads.
    expect(c.view()).toMatchObject({ state: 'restarting', error: expect.stringContaining('restart 1 of'), nextRestartAt: undefined });
    c.statsReported(stats(2));
    c.ready(2400, INFO, 'none');
    expect(c.view()).toMatchObject({ state: 'running', error: undefined, restarts: 1 });
    expect(c.view().carried.framesInferred + c.view().stats!.framesInferred).toBe(9);
  });

  it('failures in a row end in error; nothing launches it again until a planned restart, which starts the count afresh', () => {
    const c = camera();
    let now = 1000;
    for (;;) {
      c.launched(now, MODEL, false);
      now += 10;
      const decision = decide(c, now);
      c.crashed(decision, now);
      if (decision.action === 'fail') break;
    }
    expect(c.view()).toMatchObject({ state: 'error', restarts: DEFAULT_RESTART.maxConsecutiveFailures, error: expect.stringMatching(/failed 6 times in a row/) });
    expect(c.canLaunch).toBe(false);
    expect(() => c.launched(now, MODEL, false)).toThrow(/launched is not a transition from error/);
    expect(() => c.failed('again')).toThrow(/failed is not a transition from error/);
    expect(c.restartPlanned()).toBe(false); // no worker to stop first
    expect(c.view()).toMatchObject({ state: 'starting', error: undefined });
    c.launched(now, MODEL, false);
    expect(c.endedLife().consecutiveFailures).toBe(0);
  });

  it('a planned restart replaces a running worker: not ready again, not watched, and its exit is not a crash', () => {
    const c = running();
    expect(c.restartPlanned()).toBe(true);
    expect([c.state, c.replacing, c.loading, c.canLaunch]).toEqual(['starting', true, false, false]);
    // The old worker may still say ready: it is not the camera's news.
    expect(() => c.ready(5000, INFO, 'none')).toThrow(/ready is not a transition from starting, its worker being replaced/);
    expect(c.watched()).toBeNull();
    expect(() => c.crashed(decide(c, 5000), 5000)).toThrow(/crashed/);
    c.replaced();
    expect([c.state, c.replacing, c.canLaunch, c.view().restarts]).toEqual(['starting', false, true, 0]);
  });

  it('the watchdog sees a silent running worker and a slow start; the kill it records is the reason the policy gives', () => {
    const c = running(1000);
    c.heard(1500);
    expect(stuckReason(c.watched(), 1500 + 10_001, 10_000, 60_000)).toEqual({ reason: 'watchdog: no heartbeat for 10001 ms', watchdog: true });
    c.killing({ reason: 'watchdog: no heartbeat for 10001 ms', watchdog: true });
    expect(c.watched()).toMatchObject({ killing: true });
    expect(() => c.killing({ reason: 'again', watchdog: true })).toThrow(/killing/);
    expect(c.endedLife()).toMatchObject({ readyAt: 1100, lastHeard: 1500, watchdogKill: true, killReason: 'watchdog: no heartbeat for 10001 ms' });
    c.crashed(decideAfterExit(DEFAULT_RESTART, c.endedLife(), { code: null, signal: 'SIGKILL' }, 20_000), 20_000);
    expect(c.error).toMatch(/^watchdog: no heartbeat for 10001 ms \(worker killed by SIGKILL\)/);

    const slow = camera();
    slow.launched(0, MODEL, false);
    expect(stuckReason(slow.watched(), 61_000, 10_000, 60_000)).toEqual({ reason: 'not ready 61 s after start', watchdog: false });
  });

  it('a worker lost while loading leaves the camera where it was, without counting a restart', () => {
    const c = running();
    c.crashed(decide(c, 2000), 2000);
    c.launched(2300, MODEL, false);
    c.lostWhileLoading();
    expect(c.view()).toMatchObject({ state: 'restarting', error: expect.stringContaining('restart 1 of'), restarts: 1 });
    expect(c.canLaunch).toBe(true);
  });

  it('a fatal error from its worker ends in error with the reason, carrying its counters', () => {
    const c = running();
    c.statsReported(stats(4));
    c.failed('model file unreadable');
    expect(c.view()).toMatchObject({ state: 'error', error: 'model file unreadable', stats: null });
    expect(c.view().carried.framesInferred).toBe(4);
  });

  it('stops once: nothing applies to a camera being removed or gone', () => {
    const c = running();
    c.stopping();
    expect([c.state, c.ending, c.canLaunch]).toEqual(['stopped', true, false]);
    expect(() => c.restartPlanned()).toThrow(/restartPlanned is not a transition from stopping/);
    expect(() => c.failed('late')).toThrow(/failed is not a transition from stopping/);
    expect(() => c.stopping()).toThrow(/stopping/);
    c.stopped();
    expect(() => c.stopped()).toThrow(/stopped is not a transition from stopped/);
    expect(() => c.launched(1, MODEL, false)).toThrow(/launched/);
  });

  it('says what a configuration change takes: a new model, a restart, or nothing', () => {
    const c = camera();
    expect(c.update({ name: 'Porch' })).toBe('none');
    expect(c.config.name).toBe('Porch');
    expect(c.update({ labels: ['person'] })).toBe('restart');
    expect(c.update({ labels: ['person'] })).toBe('none');
    expect(c.update({ model: 'some-other-model' })).toBe('model');
    expect(c.modelChoice).toBe('some-other-model');
    expect(c.setThreads(2)).toBe(true);
    expect(c.setThreads(2)).toBe(false);
    expect(c.threads).toBe(2);
  });
});
