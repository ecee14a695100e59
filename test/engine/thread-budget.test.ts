/** The thread budget, and the calibration that decides whether spare cores buy anything. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { resolveModel, xnnpackPluginPath } from '../../src/engine/paths';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import type { WorkerLauncher } from '../../src/engine/launcher';
import { allocateThreads, CalibrationCache, calibrationThreadCounts, threadsPerInterpreter } from '../../src/engine/thread-budget';
import { parseMessage } from '../../src/shared/contracts/frames';
import { WorkerOutbound } from '../../src/shared/contracts/worker';
import { makeSupervisor } from './helpers';
import { quietPeriod, untilValue } from '../support/process';
import { tempDir } from '../support/tmp';

let supervisor: CameraSupervisor | null = null;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = null;
});

describe('threadsPerInterpreter', () => {
  const helps = [
    { threads: 1, ips: 100 },
    { threads: 2, ips: 180 },
    { threads: 4, ips: 330 },
  ];
  const doesNot = [
    { threads: 1, ips: 100 },
    { threads: 2, ips: 110 },
  ];

  it('gives one thread each when cameras >= cores, whatever the calibration says', () => {
    expect(threadsPerInterpreter({ cameras: 4, cores: 2, userThreads: 'auto', calibration: helps })).toBe(1);
    expect(threadsPerInterpreter({ cameras: 2, cores: 2, userThreads: 'auto', calibration: helps })).toBe(1);
  });

  it('gives spare cores only where calibration shows they help', () => {
    expect(threadsPerInterpreter({ cameras: 1, cores: 2, userThreads: 'auto', calibration: helps })).toBe(2);
    expect(threadsPerInterpreter({ cameras: 1, cores: 4, userThreads: 'auto', calibration: helps })).toBe(4);
    expect(threadsPerInterpreter({ cameras: 2, cores: 4, userThreads: 'auto', calibration: helps })).toBe(2);
    expect(threadsPerInterpreter({ cameras: 1, cores: 2, userThreads: 'auto', calibration: doesNot })).toBe(1);
    expect(threadsPerInterpreter({ cameras: 1, cores: 2, userThreads: 'auto' })).toBe(1);
  });

  it('lets a user setting override the budget', () => {
    expect(threadsPerInterpreter({ cameras: 4, cores: 2, userThreads: 3, calibration: doesNot })).toBe(3);
  });

  it('measures 1 thread and powers of two up to the cores', () => {
    expect(calibrationThreadCounts(2)).toEqual([1, 2]);
    expect(calibrationThreadCounts(6)).toEqual([1, 2, 4, 6]);
  });
});

describe('calibration', () => {
  it('a worker process measures the real model at each thread count', async () => {
    const worker = new NodeLauncher().launch({ cameraId: 'calibrate', serviceName: 'calibrate-test' });
    const answer = new Promise<unknown>((resolve) => worker.on('message', (m) => (m as { type?: string }).type === 'calibration' && resolve(m)));
    const model = resolveModel('face-short');
    worker.postMessage({
      type: 'calibrate',
      modelPath: model.path,
      modelName: model.name,
      delegate: 'xnnpack',
      delegatePath: xnnpackPluginPath(),
      threadCounts: [1, 2],
      durationMs: 100,
    });
    const parsed = parseMessage(WorkerOutbound, await answer);
    await worker.waitForExit(5000);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.value.type !== 'calibration') throw new Error('no calibration');
    expect(parsed.value.delegate).toBe('xnnpack');
    expect(parsed.value.results.map((r) => r.threads)).toEqual([1, 2]);
    for (const r of parsed.value.results) expect(r.ips).toBeGreaterThan(0);
  });

  it('runs once per model when a camera has cores to spare, and is cached in a file', async () => {
    const file = path.join(tempDir('multicam-cal-'), 'calibration.json');
    // Count the calibration workers the supervisor starts.
    const calibrations: string[] = [];
    const countingLauncher = (): WorkerLauncher => {
      const inner = new NodeLauncher();
      return {
        kind: inner.kind,
        launch(options) {
          if (options.serviceName.startsWith('calibrate-')) calibrations.push(options.serviceName);
          return inner.launch(options);
        },
      };
    };
    supervisor = makeSupervisor({ cores: 2, calibrate: true, calibrationFile: file, launcher: countingLauncher() });
    const id = supervisor.addCamera({ name: 'alone', source: { kind: 'external' } });
    await supervisor.waitForState(id, 'running');
    const key = CalibrationCache.key(resolveModel('face-short').path, 'xnnpack', 2);
    const points = await untilValue('the calibration to be written', () => new CalibrationCache(file).get(key), 60_000, 200);
    expect(points?.map((p) => p.threads)).toEqual([1, 2]);
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
    // Whatever it found, the camera runs with the thread count the budget derives from it.
    const expected = threadsPerInterpreter({ cameras: 1, cores: 2, userThreads: 'auto', calibration: points });
    await untilValue('the camera running with the derived threads', () => {
      const st = supervisor!.status(id)!;
      return st.state === 'running' && st.threads === expected;
    }, 60_000);
    expect(supervisor.status(id)!.threads).toBe(expected);
    // No bench result is offered here (no capacityFile), so the capacity line comes from the calibration.
    expect(supervisor.snapshot().capacitySource).toBe('calibration');
    expect(calibrations).toEqual([`calibrate-${id}`]);
    // The model list (the dialog's) shows that speed; models not measured yet carry none.
    const listed = supervisor.listModels();
    expect(listed.find((m) => m.name === 'face-short')?.ips).toBe(points!.find((p) => p.threads === 1)!.ips);
    expect(listed.find((m) => m.name === 'face-full')?.ips).toBeUndefined();
    expect(listed.find((m) => m.name === 'objects')).toMatchObject({ stages: 1, decoder: 'ssd', defaultLabels: ['Person', 'Car', 'Vehicle', 'Bicycle', 'Dog', 'Cat'] });

    // The same model again, in this supervisor and in a new one reading the same file: no new run.
    await supervisor.removeCamera(id);
    const again = supervisor.addCamera({ name: 'again', source: { kind: 'external' } });
    await supervisor.waitForState(again, 'running');
    await supervisor.stop();
    supervisor = makeSupervisor({ cores: 2, calibrate: true, calibrationFile: file, launcher: countingLauncher() });
    const third = supervisor.addCamera({ name: 'third', source: { kind: 'external' } });
    await supervisor.waitForState(third, 'running');
    await quietPeriod(500); // no calibration run follows
    expect(calibrations).toHaveLength(1);
  });
});

describe('allocateThreads (every camera at once, weighed by cost)', () => {
  const curve = (ips1: number) => [
    { threads: 1, ips: ips1 },
    { threads: 2, ips: ips1 * 1.9 },
    { threads: 3, ips: ips1 * 2.7 },
    { threads: 4, ips: ips1 * 3.4 },
  ];

  it('counts both interpreters of a two-stage camera against the cores', () => {
    // One single-stage camera on 2 cores may take both; a two-stage one already has 2 interpreters.
    expect(allocateThreads([{ id: 'a', interpreters: 1, calibration: curve(100) }], 2, 'auto').get('a')).toBe(2);
    expect(allocateThreads([{ id: 'a', interpreters: 2, calibration: curve(100) }], 2, 'auto').get('a')).toBe(1);
    const mixed = allocateThreads([{ id: 'mesh', interpreters: 2, calibration: curve(50) }, { id: 'face', interpreters: 1, calibration: curve(800) }], 4, 'auto');
    expect(2 * mixed.get('mesh')! + mixed.get('face')!).toBeLessThanOrEqual(4);
  });

  it('gives the spare cores to the expensive model: 15 ms and 1 ms cameras on 4 cores get 3 and 1 threads', () => {
    const budget = allocateThreads([{ id: 'slow', interpreters: 1, calibration: curve(1000 / 15) }, { id: 'fast', interpreters: 1, calibration: curve(1000) }], 4, 'auto');
    expect(budget.get('slow')).toBe(3);
    expect(budget.get('fast')).toBe(1);
  });

  it('one thread each once interpreters fill the cores; equal shares without calibration; a user setting wins', () => {
    const two = [{ id: 'a', interpreters: 1, calibration: curve(10) }, { id: 'b', interpreters: 1, calibration: curve(1000) }];
    expect([...allocateThreads(two, 2, 'auto').values()]).toEqual([1, 1]);
    expect([...allocateThreads([{ id: 'a', interpreters: 1 }, { id: 'b', interpreters: 1 }], 4, 'auto').values()]).toEqual([1, 1]);
    expect([...allocateThreads(two, 2, 3).values()]).toEqual([3, 3]);
  });

  it('never gives more threads than the calibration shows to pay', () => {
    const flat = [{ threads: 1, ips: 100 }, { threads: 2, ips: 105 }, { threads: 4, ips: 110 }];
    expect(allocateThreads([{ id: 'a', interpreters: 1, calibration: flat }], 4, 'auto').get('a')).toBe(1);
  });
});
