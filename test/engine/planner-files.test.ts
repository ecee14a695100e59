/**
 * The thread calibration and the machine's capacity figure live in the configuration folder,
 * beside config.json (the desktop app's userData, serve mode's --config folder), never in the
 * source tree: EngineHost reads capacity.json from there (what `npm run bench` writes) and keeps
 * the calibration it measures in calibration.json there. A real camera worker calibrates.
 */
import { silentLogger } from '../../src/engine/logger';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { untilValue } from '../support/process';
import { tempDir } from '../support/tmp';

let host: EngineHost | null = null;
afterEach(async () => {
  await host?.stop();
  host = null;
});

describe('the planner files beside the configuration', () => {
  it('reads the capacity line from capacity.json in the configuration folder', async () => {
    const dir = tempDir('multicam-capacity-');
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ cameras: [] }));
    writeFileSync(path.join(dir, 'capacity.json'), JSON.stringify({ machine: { cores: os.availableParallelism() }, limit: { ips: 4321.5 } }));
    host = new EngineHost({ configFile, launcher: new NodeLauncher(), supervisor: { calibrate: false }, log: silentLogger() });
    host.start();
    expect(host.snapshot()).toMatchObject({ capacityIps: 4321.5, capacitySource: 'bench' });
  });

  it('keeps the calibration it measures in calibration.json there, and draws the capacity line from it', async () => {
    const dir = tempDir('multicam-calibration-');
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ cameras: [{ id: 'cam-1', name: 'Pushed', source: { kind: 'external' } }] }));
    // Two cores and one camera: a core to spare, so the camera's model is calibrated.
    host = new EngineHost({ configFile, launcher: new NodeLauncher(), supervisor: { cores: 2 }, log: silentLogger() });
    host.start();
    const file = path.join(dir, 'calibration.json');
    const saved = await untilValue('calibration.json in the configuration folder', () => existsSync(file) && JSON.parse(readFileSync(file, 'utf8')), 120_000, 200);
    expect(saved.version).toBe(1);
    const snapshot = await untilValue('the capacity line from the calibration', () => {
      const s = host!.snapshot();
      return s.capacitySource === 'calibration' && s;
    }, 30_000, 100);
    expect(snapshot.capacityIps).toBeGreaterThan(0);
    expect(existsSync(path.join(dir, 'capacity.json'))).toBe(false);
  }, 150_000);
});
