/**
 * Faults on real processes: every worker here is a real child process running the real
 * interpreter, and every fault is real (SIGKILL, a hang inside inference, a crash at start,
 * broken model files, a parent that dies). See docs/reliability.md for what each test proves.
 * Only behaviour is checked here; what a crash costs in throughput is `npm run faults`'s report.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import type { TestSupervisor } from '../support/supervisor-adapter';
import { resolveModel } from '../../src/engine/paths';
import type { CameraStatus } from '../../src/shared/contracts/engine-api';
import { WorkerTap, createSupervisor, externalCamera, Feeder, pidAlive, quietPeriod, ROOT, until } from './helpers';
import { tempDir } from '../support/tmp';

let supervisor: TestSupervisor | null = null;
const feeders: Feeder[] = [];
const tmp = tempDir('multicam-faults-');

afterEach(async () => {
  for (const f of feeders.splice(0)) f.stop();
  await supervisor?.stop();
  supervisor = null;
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function feed(sup: CameraSupervisor, id: string): Feeder {
  const f = new Feeder(sup, id).start();
  feeders.push(f);
  return f;
}

/** Every 'change' event, with the time it arrived. */
function recordChanges(sup: CameraSupervisor, id: string): Array<CameraStatus & { seenAt: number }> {
  const seen: Array<CameraStatus & { seenAt: number }> = [];
  sup.on('change', (s) => {
    if (s.id === id) seen.push({ ...s, seenAt: Date.now() });
  });
  return seen;
}

/** Waits until every feeder has had more than `n` results. */
function untilResults(fs: Feeder[], n: number): Promise<void> {
  return until(() => fs.every((f) => f.resultTimes.length > n), 60_000, `more than ${n} results from ${fs.map((f) => f.cameraId).join(', ')}`);
}

describe('worker faults under load', () => {
  it('a worker killed with SIGKILL runs again as a new process; the other cameras never stop', async () => {
    // What a kill costs the others' throughput is measured by `npm run faults`, not asserted here.
    const sup = (supervisor = createSupervisor());
    const ids = ['k1', 'k2', 'k3', 'k4'];
    for (const id of ids) sup.addCamera(externalCamera(id));
    await Promise.all(ids.map((id) => sup.waitForState(id, 'running')));
    const fs = ids.map((id) => feed(sup, id));
    await untilResults(fs, 5);

    const lines: string[] = [];
    for (const victim of fs.slice(0, 2)) {
      const others = fs.filter((f) => f !== victim);
      const restartsBefore = new Map(others.map((f) => [f.cameraId, sup.status(f.cameraId)!.restarts]));
      const pidsBefore = new Map(others.map((f) => [f.cameraId, sup.status(f.cameraId)!.pid]));
      const changes = recordChanges(sup, victim.cameraId);
      const oldPid = sup.workerOf(victim.cameraId)!.pid!;
      const killedAt = Date.now();
      process.kill(oldPid, 'SIGKILL');
      // The kill is seen asynchronously: wait for the restart, then for the new process to be ready.
      // Deadlines that only catch "never": how fast it comes back is npm run faults' report.
      const back = await until(() => changes.some((c) => c.state === 'restarting'), 30_000, 'the supervisor to notice the kill')
        .then(() => sup.waitForState(victim.cameraId, 'running', 60_000))
        .catch(() => null);
      const recoveredAt = Date.now();

      // Recovery: a new process, running, and results again.
      expect(back, `${victim.cameraId} came back to running`).not.toBeNull();
      expect(back!.pid).not.toBe(oldPid);
      expect(pidAlive(oldPid)).toBe(false);
      expect(sup.status(victim.cameraId)!.restarts).toBe(1);
      const n = victim.countBetween(recoveredAt, Infinity);
      await until(() => victim.countBetween(recoveredAt, Infinity) > n, 60_000, `${victim.cameraId} to answer frames again`);

      // The others: same processes, no restarts, and answering since the kill.
      const settledAt = Date.now();
      for (const f of others) {
        const s = sup.status(f.cameraId)!;
        expect(s.state).toBe('running');
        expect(s.pid).toBe(pidsBefore.get(f.cameraId));
        expect(s.restarts).toBe(restartsBefore.get(f.cameraId));
        expect(f.countBetween(killedAt, settledAt), `${f.cameraId} answered since the kill`).toBeGreaterThan(0);
      }
      lines.push(`${victim.cameraId} back in ${recoveredAt - killedAt} ms`);
    }
    console.log(`[sigkill] ${lines.join('; ')}`);
  }, 90_000);

  it('a worker stuck inside inference is restarted by the watchdog', async () => {
    const sup = (supervisor = createSupervisor({ watchdogMs: 2000, statsIntervalMs: 250 }));
    sup.addCamera(externalCamera('hang'), { env: { MULTICAM_FAULT: 'hang-after:5' } });
    sup.addCamera(externalCamera('fine'));
    await Promise.all([sup.waitForState('hang', 'running'), sup.waitForState('fine', 'running')]);
    const changes = recordChanges(sup, 'hang');
    const oldPid = sup.workerOf('hang')!.pid!;
    const hung = feed(sup, 'hang');
    const fine = feed(sup, 'fine');

    // Five results, then silence while the worker is blocked inside inference.
    await until(() => hung.resultTimes.length >= 5, 60_000, 'five results before the hang');
    await until(() => changes.some((c) => c.state === 'restarting'), 60_000, 'the watchdog to restart the hung worker');
    const restarting = changes.find((c) => c.state === 'restarting')!;
    await sup.waitForState('hang', 'running', 60_000);
    const status = sup.status('hang')!;

    expect(hung.resultTimes.length).toBeGreaterThanOrEqual(5);
    // The heartbeat stopped; the watchdog waited at least watchdogMs before it killed.
    expect(restarting.seenAt - hung.resultTimes[4]).toBeGreaterThanOrEqual(2000);
    expect(restarting.error).toMatch(/killed by SIGKILL/);
    expect(status.restarts).toBeGreaterThanOrEqual(1);
    expect(status.pid).not.toBe(oldPid);
    expect(pidAlive(oldPid)).toBe(false);
    const states = changes.map((c) => c.state);
    expect(states.indexOf('running', states.indexOf('restarting'))).toBeGreaterThan(states.indexOf('restarting'));
    // The healthy camera never noticed.
    expect(sup.status('fine')!.restarts).toBe(0);
    expect(sup.status('fine')!.state).toBe('running');
    const n = fine.resultTimes.length;
    await until(() => fine.resultTimes.length > n, 60_000, 'the healthy camera to keep producing results');
  }, 120_000);

  it('a worker the watchdog kills again and again ends in error with the watchdog as the reason', async () => {
    // stableAfterMs is short, so each hung life "ran" longer than it: before the fix the failure
    // count was reset on every watchdog kill and the camera restarted forever.
    const policy = { initialDelayMs: 100, maxConsecutiveFailures: 3, stableAfterMs: 500 };
    const sup = (supervisor = createSupervisor({ watchdogMs: 1500, statsIntervalMs: 250, restart: policy }));
    sup.addCamera(externalCamera('loop'), { env: { MULTICAM_FAULT: 'hang-after:3' } });
    await sup.waitForState('loop', 'running');
    const changes = recordChanges(sup, 'loop');
    feed(sup, 'loop');
    const final = await sup.waitForState('loop', 'error', 60_000);
    // Every restart said why, and the reason stayed while the new worker was loading.
    const restarting = changes.filter((c) => c.state === 'restarting');
    expect(restarting.length).toBeGreaterThanOrEqual(2);
    for (const c of restarting) expect(c.error).toMatch(/watchdog: no heartbeat for \d+ ms/);
    expect(final.error).toMatch(/watchdog: no heartbeat/);
    expect(final.error).toMatch(/failed 3 times in a row/);
    expect(final.restarts).toBe(3);
    expect(final.pid).toBeNull();
  }, 90_000);

  it('a worker that crashes at every start backs off longer each time, then stops in error', async () => {
    const launcher = new WorkerTap();
    const policy = { initialDelayMs: 100, factor: 3, maxDelayMs: 10_000, maxConsecutiveFailures: 5 };
    const sup = (supervisor = createSupervisor({ launcher, restart: policy }));
    const changes = recordChanges(sup, 'crashy');
    sup.addCamera(externalCamera('crashy'), { env: { MULTICAM_FAULT: 'crash-on-start' } });
    const final = await sup.waitForState('crashy', 'error', 30_000);

    // Each failure but the last schedules a restart; each delay is longer than the one before.
    const scheduled = changes.filter((c) => c.state === 'restarting' && c.nextRestartAt !== undefined);
    const delays = scheduled.map((c) => c.nextRestartAt! - c.seenAt);
    expect(scheduled).toHaveLength(policy.maxConsecutiveFailures - 1);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]);
    // And the supervisor really waited that long: gaps between real launches grow with them.
    const launchTimes = launcher.launches.filter((l) => l.options.cameraId === 'crashy').map((l) => l.at);
    expect(launchTimes).toHaveLength(policy.maxConsecutiveFailures);
    const gaps = launchTimes.slice(1).map((t, i) => t - launchTimes[i]);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(policy.initialDelayMs * policy.factor ** i - 20));
    expect(gaps.at(-1)!).toBeGreaterThan(gaps[0]);
    console.log(`[crash-on-start] scheduled delays ${delays.join(', ')} ms; launch gaps ${gaps.join(', ')} ms`);

    // Parked in error, saying why.
    expect(final.state).toBe('error');
    expect(final.error).toMatch(/exited with code 3/);
    expect(final.error).toMatch(/failed 5 times in a row/);
    expect(final.error).toMatch(/not restarted/);
    expect(final.pid).toBeNull();
    expect(final.nextRestartAt).toBeUndefined();

    // Nothing more happens while the camera sits in error: no new process, no state change.
    const launches = launcher.launchesOf('crashy');
    const changesBefore = changes.length;
    await quietPeriod(2000);
    expect(launcher.launchesOf('crashy')).toBe(launches);
    expect(changes.length).toBe(changesBefore);
    expect(sup.status('crashy')!.state).toBe('error');
  }, 60_000);

  it('a truncated model and a garbage model park their cameras in error; the others go on', async () => {
    const good = resolveModel('face-short').path;
    const bytes = readFileSync(good);
    const truncated = path.join(tmp, 'truncated.tflite');
    const garbage = path.join(tmp, 'garbage.tflite');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    // Deterministic garbage of the same size (not a FlatBuffer).
    const junk = Buffer.alloc(bytes.length);
    for (let i = 0, x = 12345; i < junk.length; i++) junk[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    writeFileSync(garbage, junk);
    copyFileSync(good, path.join(tmp, 'good.tflite'));

    const sup = (supervisor = createSupervisor());
    sup.addCamera(externalCamera('ok1'));
    sup.addCamera(externalCamera('ok2', { model: path.join(tmp, 'good.tflite') }));
    await Promise.all([sup.waitForState('ok1', 'running'), sup.waitForState('ok2', 'running')]);
    const ok = [feed(sup, 'ok1'), feed(sup, 'ok2')];

    sup.addCamera(externalCamera('trunc', { model: truncated }));
    sup.addCamera(externalCamera('junk', { model: garbage }));
    const [t, j] = await Promise.all([sup.waitForState('trunc', 'error'), sup.waitForState('junk', 'error')]);
    for (const [status, file] of [
      [t, truncated],
      [j, garbage],
    ] as const) {
      expect(status.error).toContain(file);
      expect(status.error).toMatch(/cannot load model/);
      expect(status.pid).toBeNull();
    }
    for (const f of ok) {
      const n = f.resultTimes.length;
      await until(() => f.resultTimes.length > n + 10, 60_000, `${f.cameraId} to keep producing results`);
      expect(sup.status(f.cameraId)).toMatchObject({ state: 'running', restarts: 0 });
    }
    // A bad file is not retried (a restart cannot fix it): still parked while the others worked.
    expect(sup.status('trunc')).toMatchObject({ state: 'error', restarts: 0 });
    expect(sup.status('junk')).toMatchObject({ state: 'error', restarts: 0 });
  }, 60_000);

  it('a camera whose frames stop (unplugged) stays running and resumes when frames come back', async () => {
    const sup = (supervisor = createSupervisor({ watchdogMs: 2000, statsIntervalMs: 250 }));
    sup.addCamera(externalCamera('unplug'));
    sup.addCamera(externalCamera('steady'));
    await Promise.all([sup.waitForState('unplug', 'running'), sup.waitForState('steady', 'running')]);
    const changes = recordChanges(sup, 'unplug');
    const unplug = feed(sup, 'unplug');
    const steady = feed(sup, 'steady');
    await until(() => unplug.resultTimes.length > 20, 60_000, 'results before the unplug');
    const pid = sup.workerOf('unplug')!.pid;

    unplug.pause();
    await until(() => unplug.settled, 30_000, 'the last frame in flight to come back');
    const silentFrom = Date.now();
    const count = unplug.resultTimes.length;
    await quietPeriod(3000); // longer than the watchdog: an idle camera is not a hung one
    const silentTo = Date.now();

    expect(unplug.resultTimes.length).toBe(count);
    expect(sup.status('unplug')).toMatchObject({ state: 'running', restarts: 0, pid });
    expect(sup.status('unplug')!.error).toBeUndefined();
    expect(changes).toHaveLength(0);
    expect(steady.countBetween(silentFrom, silentTo), 'the steady camera answered meanwhile').toBeGreaterThan(0);

    unplug.resume();
    await until(() => unplug.resultTimes.length > count + 10, 60_000, 'results after frames resume');
    expect(sup.status('unplug')).toMatchObject({ state: 'running', restarts: 0, pid });
    expect(sup.status('steady')).toMatchObject({ state: 'running', restarts: 0 });
  }, 60_000);
});

describe('shutdown', () => {
  it('stop() ends every worker process', async () => {
    const sup = (supervisor = createSupervisor());
    const ids = ['q1', 'q2', 'q3'];
    for (const id of ids) sup.addCamera(externalCamera(id));
    await Promise.all(ids.map((id) => sup.waitForState(id, 'running')));
    await untilResults(ids.map((id) => feed(sup, id)), 0);
    const pids = ids.map((id) => sup.workerOf(id)!.pid!);
    expect(pids.every(pidAlive)).toBe(true);
    await sup.stop();
    supervisor = null;
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }, 60_000);

  it('workers exit by themselves when their parent is SIGKILLed (no orphans)', async () => {
    const require = createRequire(path.join(ROOT, 'package.json'));
    const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, path.join(ROOT, 'test', 'reliability', 'fixtures', 'supervisor-child.ts'), '2'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      const pids = await new Promise<number[]>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`the child supervisor did not report its workers: ${stderr}`)), 30_000);
        child.stdout.on('data', (d) => {
          out += d;
          const line = out.split('\n').find((l) => l.startsWith('WORKERS '));
          if (line) {
            clearTimeout(timer);
            resolve(JSON.parse(line.slice('WORKERS '.length)) as number[]);
          }
        });
        child.on('exit', (code) => reject(new Error(`the child supervisor exited early (${code}): ${stderr}`)));
      });
      expect(pids).toHaveLength(2);
      expect(pids.every(pidAlive)).toBe(true);

      child.kill('SIGKILL');
      await until(() => pids.every((pid) => !pidAlive(pid)), 60_000, `workers ${pids.join(', ')} to exit after their parent died`);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
