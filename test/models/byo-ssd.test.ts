/**
 * Bring your own SSD: a .tflite whose outputs are TF Lite's four detection post-processing tensors
 * loads with no configuration, takes its labels from NAME.txt beside it, and its detections carry
 * those labels, through the real interpreter in a real camera worker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import type { ResultMessage } from '../../src/shared/contracts/frames';
import { fixtureFrame, makeSupervisor } from '../engine/helpers';
import { tinySsdModel } from './fixtures/tiny-ssd';

const dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-byo-'));
let supervisor: CameraSupervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a user SSD with the standard detection post-processing outputs', () => {
  it('decodes with labels from NAME.txt, by threshold and camera label choice', async () => {
    const model = path.join(dir, 'doorbell.tflite');
    // Boxes are ymin, xmin, ymax, xmax. The third scores under the 0.5 default; the fourth is past the count.
    writeFileSync(
      model,
      tinySsdModel({ boxes: [[0.1, 0.2, 0.5, 0.6], [0.5, 0.5, 1, 1], [0, 0, 0.5, 0.5], [0, 0, 1, 1]], classes: [1, 0, 1, 1], scores: [0.9, 0.7, 0.3, 0.99], count: 3 }),
    );
    writeFileSync(path.join(dir, 'doorbell.txt'), '???\nperson\nparcel\n');
    supervisor = makeSupervisor();
    const s = supervisor;
    const all = s.addCamera({ name: 'all', source: { kind: 'external' }, model });
    const status = await s.waitForState(all, 'running', 60_000);
    expect(status.modelInfo).toMatchObject({ decoder: 'postprocess', inputWidth: 32, inputHeight: 32 });
    const ask = (id: string) =>
      new Promise<ResultMessage>((resolve) => {
        const onResult = (r: ResultMessage) => {
          if (r.cameraId !== id) return;
          s.off('result', onResult);
          resolve(r);
        };
        s.on('result', onResult);
        s.pushFrame(id, fixtureFrame('rocket.jpg', 32));
      });
    const result = await ask(all);
    expect(result.detections.map((d) => [d.label, Number(d.score.toFixed(2))])).toEqual([
      ['parcel', 0.9],
      ['person', 0.7],
    ]);
    const first = result.detections[0].box;
    // The rocket is letterboxed into 32x32 (640x427: bars above and below); x maps straight through.
    expect(first.x).toBeCloseTo(0.2, 5);
    expect(first.w).toBeCloseTo(0.4, 5);

    const chosen = s.addCamera({ name: 'people', source: { kind: 'external' }, model, labels: ['person'] });
    await s.waitForState(chosen, 'running', 60_000);
    expect((await ask(chosen)).detections.map((d) => d.label)).toEqual(['person']);
    // A new label choice restarts only that camera's worker, with the new choice.
    const before = s.status(chosen)!.pid;
    s.updateCamera(chosen, { labels: ['parcel'] });
    for (let i = 0; i < 300 && (s.status(chosen)!.state !== 'running' || s.status(chosen)!.pid === before); i++) await new Promise((r) => setTimeout(r, 100));
    expect(s.status(chosen)).toMatchObject({ state: 'running', labels: ['parcel'] });
    expect((await ask(chosen)).detections.map((d) => d.label)).toEqual(['parcel']);
    expect(s.status(all)!.restarts).toBe(0);
  });
});
