/**
 * The capacity line counts each camera at its own model's measured cost. A face camera and an
 * objects camera on a machine with no spare core (1 core here, where the thread budget alone would
 * never calibrate): both models are measured in the background, one at a time, at the lowest CPU
 * priority, with progress in the snapshot; then each camera's share of a core is its rate over its
 * own model's measured speed, and "more like this one" is what admission would still let in.
 */
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMISSION_HEADROOM } from '../../src/engine/admission';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import type { WorkerLauncher, WorkerProcess } from '../../src/engine/launcher';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { LOWEST_PRIORITY } from '../../src/engine/thread-planner';
import type { CapacityLine } from '../../src/shared/contracts/engine-api';
import { makeSupervisor } from './helpers';
import { untilValue } from '../support/process';

let supervisor: CameraSupervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});

describe('capacity per model', () => {
  it('measures each model in the background and counts each camera at its own cost', async () => {
    const calibrations: WorkerProcess[] = [];
    let mostAtOnce = 0;
    const inner = new NodeLauncher();
    const launcher: WorkerLauncher = {
      kind: inner.kind,
      launch(options) {
        const worker = inner.launch(options);
        if (options.serviceName.startsWith('calibrate-')) {
          calibrations.push(worker);
          mostAtOnce = Math.max(mostAtOnce, calibrations.filter((w) => w.alive).length);
        }
        return worker;
      },
    };
    // Each thread count measured for 3 s, so the progress and the priority can be seen while it runs.
    supervisor = makeSupervisor({ cores: 1, calibrate: true, calibrationMs: 3000, launcher });
    const face = supervisor.addCamera({ name: 'face', source: { kind: 'external' }, model: 'face-short', maxFps: 30 });
    const objects = supervisor.addCamera({ name: 'objects', source: { kind: 'external' }, model: 'objects', maxFps: 10 });

    // While a model is measured, the snapshot says which, with its progress, and the worker runs at the lowest priority.
    const running = await untilValue('a calibration in progress', () => {
      const line = supervisor!.snapshot().capacityLine!;
      const worker = calibrations.find((w) => w.alive && w.pid !== undefined);
      return line.calibrating.length > 0 && worker ? { line, pid: worker.pid! } : undefined;
    }, 120_000, 100);
    expect(running.line.calibrating.map((c) => c.model).every((m) => m === 'face-short' || m === 'objects')).toBe(true);
    for (const c of running.line.calibrating) expect(c.progress).toBeGreaterThanOrEqual(0);
    expect(os.getPriority(running.pid)).toBe(LOWEST_PRIORITY);

    const line = await untilValue('both cameras measured', () => {
      const l = supervisor!.snapshot().capacityLine!;
      return l.cameras[face] && l.cameras[objects] ? l : undefined;
    }, 240_000, 250);
    // One calibration at a time, one per model.
    expect(calibrations).toHaveLength(2);
    expect(mostAtOnce).toBe(1);
    const ips = new Map(supervisor.listModels().map((m) => [m.name, m.ips]));
    const faceIps = ips.get('face-short')!;
    const objectsIps = ips.get('objects')!;
    expect(faceIps).toBeGreaterThan(0);
    expect(objectsIps).toBeGreaterThan(0);
    // Each camera's share is its rate over its own model's speed: never one figure for both.
    expect(line.cameras[face].cores).toBeCloseTo(30 / faceIps, 6);
    expect(line.cameras[objects].cores).toBeCloseTo(10 / objectsIps, 6);
    expect(line.neededCores).toBeCloseTo(30 / faceIps + 10 / objectsIps, 6);
    expect(line.budgetCores).toBeCloseTo(1 * ADMISSION_HEADROOM, 6);
    expect(line.unmeasured).toEqual([]);
    const more = (own: number) => Math.max(0, Math.floor((line.budgetCores - line.neededCores) / own + 1e-9));
    expect(line.cameras[face].more).toBe(more(30 / faceIps));
    expect(line.cameras[objects].more).toBe(more(10 / objectsIps));
    await untilValue('the calibrations done', () => (supervisor!.snapshot().capacityLine!.calibrating.length === 0 ? true : undefined), 60_000, 250);
  }, 400_000);
});

describe('capacity sums', () => {
  it('are taken per camera', async () => {
    const { capacityLine } = await import('../../src/engine/admission');
    const line: Omit<CapacityLine, 'calibrating'> = capacityLine(
      [
        { id: 'face', fps: 30, ips: 1000 },
        { id: 'objects', fps: 10, ips: 20 },
        { id: 'new', fps: 30 },
      ],
      2,
    );
    expect(line.budgetCores).toBeCloseTo(1.8, 9);
    expect(line.neededCores).toBeCloseTo(0.53, 9);
    expect(line.unmeasured).toEqual(['new']);
    // 1.27 cores left: 42 more face cameras at 0.03, 2 more objects cameras at 0.5.
    expect(line.cameras).toEqual({ face: { cores: 0.03, more: 42 }, objects: { cores: 0.5, more: 2 } });
  });
});
