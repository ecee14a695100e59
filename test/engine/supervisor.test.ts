/**
 * The supervisor with real worker processes, the real model and the real interpreter.
 */
import { writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WORKER_EXEC_ARGV } from '../../src/engine/launcher';
import { resolveModel } from '../../src/engine/paths';
import type { TestSupervisor } from '../support/supervisor-adapter';
import { feed, fixtureFrame, makeSupervisor, pidAlive } from './helpers';
import { until, untilValue } from '../support/process';
import { tempDir } from '../support/tmp';

let supervisor: TestSupervisor | null = null;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = null;
});

const tmp = () => tempDir('multicam-test-');

describe('CameraSupervisor', () => {
  it('runs 4 cameras at once, each in its own process, each answered about its own picture with its own frame ids', async () => {
    supervisor = makeSupervisor();
    const s = supervisor;
    // Four different pictures: the astronaut, the astronaut padded wide (face moves), the rocket, black.
    const astronaut = fixtureFrame('astronaut.png');
    const rocket = fixtureFrame('rocket.jpg');
    const black = { ...astronaut, data: new Uint8Array(astronaut.data.length) };
    const shifted = { ...astronaut, letterbox: { x: 0.25, y: 0, w: 0.5, h: 1 } };
    const frames = [astronaut, shifted, rocket, black];
    const ids = frames.map((_, i) => s.addCamera({ name: `cam ${i}`, source: { kind: 'external' } }));
    const statuses = await Promise.all(ids.map((id) => s.waitForState(id, 'running')));
    const pids = statuses.map((st) => st.pid);
    expect(new Set(pids).size).toBe(4);
    // Each worker runs with the capped young generation (see WORKER_EXEC_ARGV).
    if (process.platform === 'linux') {
      for (const pid of pids) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining([...WORKER_EXEC_ARGV]));
    }
    for (const st of statuses) {
      expect(st.delegate).toBe('xnnpack');
      expect(st.threads).toBe(1); // 4 cameras >= 2 cores: one thread each
    }

    // Feed each camera its own picture; each feeder records the frame ids it was given.
    const feeders = ids.map((id, i) => feed(s, id, frames[i]));
    await until(() => feeders.every((f) => f.results.length > 5), 60_000, 'results from every camera');
    feeders.forEach((f) => f.stop());

    feeders.forEach((f, i) => {
      expect(f.results.length).toBeGreaterThan(5);
      for (const r of f.results) {
        expect(r.cameraId).toBe(ids[i]);
        // A result answers a frame that was sent to this very camera.
        expect(f.sent.has(r.frameId)).toBe(true);
      }
      const frameIds = f.results.map((r) => r.frameId);
      expect(new Set(frameIds).size).toBe(frameIds.length);
      expect([...frameIds].sort((a, b) => a - b)).toEqual(frameIds);
    });
    const [a, b, c, d] = feeders.map((f) => f.results.at(-1)!);
    expect(a.detections).toHaveLength(1);
    expect(a.detections[0].box.x).toBeCloseTo(0.35, 2);
    // Same pixels, but the sender said the picture filled only the middle half: the box maps differently.
    expect(b.detections).toHaveLength(1);
    expect(b.detections[0].box.x).toBeCloseTo((0.35 - 0.25) / 0.5, 1);
    expect(c.detections).toEqual([]);
    expect(d.detections).toEqual([]);

    // The stats come with the workers' heartbeat, once a second.
    const snap = await untilValue('stats of every camera', () => {
      const now = s.snapshot();
      return now.cameras.every((cam) => cam.framesInferred > 0 && cam.inferP50Ms > 0 && cam.rssBytes > 0) && now;
    });
    expect(snap.cameras).toHaveLength(4);
    for (const cam of snap.cameras) {
      expect(cam.framesInferred).toBeGreaterThan(0);
      expect(cam.inferP50Ms).toBeGreaterThan(0);
      expect(cam.rssBytes).toBeGreaterThan(0);
    }
  });

  it('restarts a worker killed with SIGKILL while the other cameras keep producing', async () => {
    supervisor = makeSupervisor({ restart: { initialDelayMs: 200 } });
    const s = supervisor;
    const frame = fixtureFrame('astronaut.png');
    const ids = [0, 1, 2].map((i) => s.addCamera({ name: `cam ${i}`, source: { kind: 'external' } }));
    await Promise.all(ids.map((id) => s.waitForState(id, 'running')));
    const feeders = ids.map((id) => feed(s, id, frame));
    await until(() => feeders.every((f) => f.results.length > 5), 60_000, 'results from every camera');

    const victim = ids[0];
    const oldPid = s.status(victim)!.pid!;
    const othersBefore = feeders.slice(1).map((f) => f.results.length);
    const killedAt = Date.now();
    process.kill(oldPid, 'SIGKILL');
    // Deadlines that only catch "never": how fast it comes back is npm run faults' business.
    await s.waitForState(victim, 'restarting', 30_000);
    const back = await s.waitForState(victim, 'running', 60_000);
    const recoveredIn = Date.now() - killedAt;
    expect(back.pid).not.toBe(oldPid);
    expect(back.restarts).toBe(1);
    expect(pidAlive(oldPid)).toBe(false);

    // The restarted camera produces results again; the others never stopped.
    const victimCount = feeders[0].results.length;
    await until(() => feeders[0].results.length > victimCount, 60_000, 'results from the restarted camera');
    await until(() => feeders.slice(1).every((f, i) => f.results.length > othersBefore[i] + 10), 60_000, 'results from the others');
    // The other cameras answered while the victim was down.
    const outageEnd = killedAt + recoveredIn;
    for (const f of feeders.slice(1)) {
      expect(f.receivedAt.filter((t) => t > killedAt && t < outageEnd).length).toBeGreaterThan(0);
    }
    expect(feeders[0].receivedAt.filter((t) => t > killedAt + 50 && t < outageEnd - 50)).toEqual([]);
    feeders.forEach((f) => f.stop());
  });

  it('puts a camera with a garbage model in the error state with a clear message; the others go on', async () => {
    const dir = tmp();
    const garbage = path.join(dir, 'garbage.tflite');
    writeFileSync(garbage, Buffer.from('this is not a flatbuffer at all'.repeat(20)));
    const truncated = path.join(dir, 'truncated.tflite');
    const real = readFileSync(resolveModel('face-short').path);
    writeFileSync(truncated, real.subarray(0, Math.floor(real.length / 3)));
    supervisor = makeSupervisor();
    const s = supervisor;
    const good = s.addCamera({ name: 'good', source: { kind: 'external' } });
    const bad = s.addCamera({ name: 'garbage', source: { kind: 'external' }, model: garbage });
    const cut = s.addCamera({ name: 'truncated', source: { kind: 'external' }, model: truncated });
    const missing = s.addCamera({ name: 'missing', source: { kind: 'external' }, model: path.join(dir, 'nope.tflite') });
    await s.waitForState(good, 'running');
    const badStatus = await s.waitForState(bad, 'error');
    expect(badStatus.error).toMatch(/cannot load model .*garbage\.tflite/);
    expect(badStatus.pid).toBeNull();
    expect((await s.waitForState(cut, 'error')).error).toMatch(/cannot load model .*truncated\.tflite/);
    expect((await s.waitForState(missing, 'error')).error).toMatch(/cannot load model .*nope\.tflite: cannot use this file/);
    const f = feed(s, good, fixtureFrame('astronaut.png'));
    await until(() => f.results.length > 5, 60_000, 'results from the good camera');
    f.stop();
    expect(f.results[0].detections).toHaveLength(1);
    // Not restarted while the good camera worked: a bad model stays bad.
    expect(s.status(bad)!.restarts).toBe(0);
    expect(s.status(bad)!.state).toBe('error');
  });

  it('loads any other .tflite with the raw decoder, reporting output shapes', async () => {
    const dir = tmp();
    const other = path.join(dir, 'my-model.tflite');
    copyFileSync(resolveModel('face-full').path, other);
    supervisor = makeSupervisor();
    const id = supervisor.addCamera({ name: 'raw', source: { kind: 'external' }, model: other });
    const st = await supervisor.waitForState(id, 'running');
    expect(st.modelInfo).toMatchObject({ decoder: 'raw', inputWidth: 192, inputHeight: 192 });
    const f = feed(supervisor, id, fixtureFrame('astronaut.png', 192));
    await until(() => f.results.length > 0, 60_000, 'a result');
    f.stop();
    expect(f.results[0].detections).toEqual([]);
    expect(f.results[0].outputs?.map((o) => o.shape)).toEqual([
      [1, 2304, 16],
      [1, 2304, 1],
    ]);
  });

  it('drops and counts malformed messages and wrong-sized frames without losing the worker', async () => {
    supervisor = makeSupervisor();
    const s = supervisor;
    const id = s.addCamera({ name: 'target', source: { kind: 'external' } });
    const st = await s.waitForState(id, 'running');
    const worker = s.workerOf(id)!;
    const garbage: unknown[] = [
      null,
      42,
      'frame',
      { type: 'frame' },
      { type: 'nonsense', x: 1 },
      { type: 'frame', cameraId: id, frameId: -1, width: 128, height: 128, data: new Uint8Array(10) },
      { type: 'init', config: { cameraId: 'not valid!' } },
      { type: 'set-threshold', scoreThreshold: 7 },
    ];
    for (const g of garbage) expect(worker.postMessage(g)).toBe(true);
    const dropped: string[] = [];
    s.on('dropped', (d) => dropped.push(d.reason));
    // A well-formed frame of the wrong size: rejected, answered, counted.
    const frame = fixtureFrame('astronaut.png');
    s.pushFrame(id, { ...frame, data: frame.data.subarray(0, 100) });
    s.pushFrame(id, { ...frame, width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) });
    // Garbage from the worker's side reaches the supervisor's parser too.
    worker.emit('message', { type: 'result', cameraId: id });
    worker.emit('message', 'not an object');
    // The counts arrive with the worker's heartbeat.
    const after = await untilValue('the rejections counted', () => {
      const now = s.status(id)!;
      return now.messagesRejected >= garbage.length + 2 && now.framesRejected >= 2 && dropped.length >= 2 && now;
    });
    expect(after.pid).toBe(st.pid);
    expect(after.state).toBe('running');
    expect(after.messagesRejected).toBe(garbage.length + 2);
    expect(after.framesRejected).toBe(2);
    expect(dropped.filter((r) => r === 'rejected')).toHaveLength(2);
    // And it still answers good frames correctly.
    const f = feed(s, id, frame);
    await until(() => f.results.length > 0, 60_000, 'a result');
    f.stop();
    expect(f.results.at(-1)!.detections).toHaveLength(1);
  });

  it('flow control: with one frame in flight, frames offered while busy replace each other and count as skipped', async () => {
    supervisor = makeSupervisor();
    const s = supervisor;
    const id = s.addCamera({ name: 'busy', source: { kind: 'external' } });
    await s.waitForState(id, 'running');
    const frame = fixtureFrame('astronaut.png');
    const results: number[] = [];
    s.on('result', (r) => results.push(r.frameId));
    const ids = Array.from({ length: 50 }, () => s.pushFrame(id, frame));
    // The first went out at once, the last waited for credit; the 48 in between were replaced.
    await until(() => results.length >= 2, 60_000, 'two results');
    // The skipped count arrives with a stats heartbeat; by then nothing else can have been answered.
    await until(() => s.status(id)!.framesSkipped >= 48, 30_000, 'the skipped frames counted');
    expect(results).toEqual([ids[0], ids[49]]);
    expect(s.status(id)!.framesSkipped).toBe(48);
  });

  it('adds and removes cameras at run time without touching the others', async () => {
    supervisor = makeSupervisor();
    const s = supervisor;
    const a = s.addCamera({ name: 'a', source: { kind: 'external' } });
    await s.waitForState(a, 'running');
    const pidA = s.status(a)!.pid!;
    const b = s.addCamera({ name: 'b', source: { kind: 'external' } });
    await s.waitForState(b, 'running');
    const pidB = s.status(b)!.pid!;
    expect(await s.removeCamera(b)).toBe(true);
    expect(pidAlive(pidB)).toBe(false);
    expect(s.status(a)!.pid).toBe(pidA);
    expect(s.updateCamera(a, { name: 'renamed', scoreThreshold: 0.99 })).toBe(true);
    expect(s.status(a)!.pid).toBe(pidA);
    const f = feed(s, a, fixtureFrame('astronaut.png'));
    await until(() => f.results.length > 0, 60_000, 'a result');
    f.stop();
    // The new threshold reached the worker: the 0.92 face is below it.
    expect(f.results.at(-1)!.detections).toEqual([]);
    expect(s.status(a)!.name).toBe('renamed');
  });

  it('per-label thresholds reach a running worker in place (labelThresholds, any case), over the camera threshold', async () => {
    supervisor = makeSupervisor();
    const s = supervisor;
    const a = s.addCamera({ name: 'a', source: { kind: 'external' }, scoreThreshold: 0.99 });
    await s.waitForState(a, 'running');
    const pid = s.status(a)!.pid;
    const labelsNow = async () => {
      const f = feed(s, a, fixtureFrame('astronaut.png'));
      const seen = f.results.length;
      await until(() => f.results.length > seen, 60_000, 'a result');
      f.stop();
      return f.results.at(-1)!.detections.map((d) => d.label);
    };
    expect(await labelsNow()).toEqual([]);
    // The 0.92 face passes its own 0.5, though the camera's threshold stays 0.99.
    expect(s.updateCamera(a, { labelThresholds: { Face: 0.5 } })).toBe(true);
    expect(await labelsNow()).toEqual(['face']);
    expect(s.updateCamera(a, { scoreThreshold: 0.3, labelThresholds: { face: 0.95 } })).toBe(true);
    expect(await labelsNow()).toEqual([]);
    expect(s.status(a)!.pid).toBe(pid);
  });

  it('never reuses a camera id, also after ids that came from the configuration', async () => {
    supervisor = makeSupervisor();
    const s = supervisor;
    // As at start-up: cameras from the config file bring their ids.
    for (const id of ['cam-1', 'cam-2', 'cam-3']) expect(s.addCamera({ id, name: id, source: { kind: 'external' } })).toBe(id);
    await s.removeCamera('cam-3');
    const next = s.addCamera({ name: 'new', source: { kind: 'external' } });
    expect(next).toBe('cam-4');
    await s.removeCamera(next);
    expect(s.addCamera({ name: 'newer', source: { kind: 'external' } })).toBe('cam-5');
  });

  it('applies the thread budget: one thread per interpreter when cameras >= cores, a user setting overrides', async () => {
    supervisor = makeSupervisor({ cores: 2, settings: { threadsPerInterpreter: 2 } });
    const s = supervisor;
    const a = s.addCamera({ name: 'a', source: { kind: 'external' } });
    expect((await s.waitForState(a, 'running')).threads).toBe(2);
    s.setSettings({ threadsPerInterpreter: 'auto' });
    const b = s.addCamera({ name: 'b', source: { kind: 'external' } });
    await s.waitForState(b, 'running');
    // a is restarted with the new budget: wait for it to run with one thread.
    await until(() => s.status(a)!.state === 'running' && s.status(a)!.threads === 1, 60_000, 'camera a on one thread');
    expect(s.status(a)!.threads).toBe(1);
    expect(s.status(b)!.threads).toBe(1);
  });

  it('stops every worker on stop()', async () => {
    supervisor = makeSupervisor();
    const s = supervisor;
    const ids = [0, 1].map((i) => s.addCamera({ name: `c${i}`, source: { kind: 'external' } }));
    const pids = (await Promise.all(ids.map((id) => s.waitForState(id, 'running')))).map((st) => st.pid!);
    await s.stop();
    supervisor = null;
    for (const pid of pids) expect(pidAlive(pid)).toBe(false);
  });
});
