/**
 * Admission control: the sums (admission.ts), and through the engine API on real workers. The
 * machine measures its own cost of the face model (the calibration a first camera starts when
 * cores are spare); cameras asking 240 frames a second are then added until their measured need
 * passes what the cores give: that one is refused with the numbers, is not kept in the config, and
 * goes in with `force`.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { admissionRefusal, ADMISSION_HEADROOM } from '../../src/engine/admission';
import { EngineHost } from '../../src/engine/host';
import { NodeLauncher } from '../../src/engine/node-launcher';
import type { AppConfig } from '../../src/shared/contracts/config';
import type { ModelListEntry } from '../../src/shared/contracts/engine-api';
import { untilValue } from '../support/process';
import { tempDir } from '../support/tmp';
import { silentLogger } from '../../src/engine/logger';

describe('admission sums', () => {
  it('refuses only what measured costs say the cores cannot carry', () => {
    // 2 cores give 1.8; each camera at 30 fps of a 100/s model needs 0.3.
    const camera = { fps: 30, ips: 100 };
    expect(admissionRefusal(Array(5).fill(camera), camera, 2)).toBeNull();
    expect(admissionRefusal(Array(6).fill(camera), camera, 2)).toMatch(
      /cannot run this camera: at 30 frames a second its model needs 0\.30 of a core \(100 inferences a second measured on one thread here\), the 6 cameras already added need 1\.80, and 2 cores give 1\.80 to cameras/,
    );
    // A model never measured here cannot be judged, whatever the others cost.
    expect(admissionRefusal(Array(60).fill(camera), { fps: 30 }, 2)).toBeNull();
    expect(ADMISSION_HEADROOM).toBeLessThan(1);
  });
});

describe('addCamera on a machine with a measured model', () => {
  const dir = tempDir('multicam-admission-');
  const host = new EngineHost({
    configFile: path.join(dir, 'config.json'),
    launcher: new NodeLauncher(),
    supervisor: { calibrate: true, calibrationFile: null, statsIntervalMs: 250 },
    log: silentLogger(),
  });
  afterAll(() => host.stop());

  it('refuses the camera the cores cannot carry, with the reason, unless forced', async () => {
    host.start();
    const add = (name: string, force?: boolean) =>
      host.handle({ method: 'addCamera', camera: { name, source: { kind: 'external' }, model: 'face-short', maxFps: 240 }, ...(force ? { force } : {}) });
    expect((await add('first')).ok).toBe(true);
    // The first camera's worker is ready with a core spare: the face model's speed is measured here.
    const ips = await untilValue('the face model measured on this machine', async () => {
      const answer = await host.handle({ method: 'listModels' });
      return answer.ok ? (answer.value as ModelListEntry[]).find((m) => m.name === 'face-short')?.ips : undefined;
    }, 120_000, 250);
    const cores = host.snapshot().cores;
    const fits = Math.floor((cores * ADMISSION_HEADROOM) / (240 / ips));
    // A camera count this test can start (a slow machine refuses the second already).
    expect(fits).toBeLessThan(40);
    let refused: { ok: false; error: string } | undefined;
    for (let n = 2; !refused && n <= fits + 3; n++) {
      const answer = await add(`camera ${n}`);
      if (!answer.ok) refused = answer;
    }
    expect(refused?.error, `measured ${ips}/s on ${cores} cores: ${fits} cameras fit`).toMatch(/this machine cannot run this camera: at 240 frames a second its model needs [\d.]+ of a core \(\d+ inferences a second measured on one thread here\), the \d+ cameras already added need [\d.]+, and \d+ cores give [\d.]+ to cameras; .* or add it anyway/);
    const config = (await host.handle({ method: 'getConfig' })) as { ok: true; value: AppConfig };
    const kept = config.value.cameras.length;
    expect(kept).toBeGreaterThanOrEqual(Math.max(1, fits - 1));
    expect(kept).toBeLessThanOrEqual(fits + 1);
    // Forced, it goes in.
    const forced = await add('anyway', true);
    expect(forced.ok, JSON.stringify(forced)).toBe(true);
    const after = (await host.handle({ method: 'getConfig' })) as { ok: true; value: AppConfig };
    expect(after.value.cameras.map((c) => c.name)).toContain('anyway');
    expect(after.value.cameras).toHaveLength(kept + 1);
  }, 300_000);
});
