/**
 * An engine with one engine-side file camera (id `clip`), as the events and motion suites run it:
 * real worker process, real model, real ffmpeg, its own data folder. Returned unstarted, so the
 * caller listens before the first event; `cleanups` gets what to undo (the engine, the folder).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EngineHost } from '../../src/engine/host';
import { silentLogger } from '../../src/engine/logger';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { tempDir } from './helpers';

/** `top`: more of the configuration beside the camera (events settings, MQTT). */
export function fileCameraHost(file: string, loop: boolean, extra: object, cleanups: (() => Promise<void> | void)[], top: object = {}): EngineHost {
  const t = tempDir();
  cleanups.push(t.remove);
  const configFile = path.join(t.dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ ...top, cameras: [{ id: 'clip', name: 'Clip', source: { kind: 'file', path: file, loop }, ...extra }] }));
  const host = new EngineHost({
    configFile,
    eventsDir: t.dir,
    launcher: new NodeLauncher(),
    supervisor: { calibrate: false, calibrationFile: null, statsIntervalMs: 250 },
    log: silentLogger(),
  });
  cleanups.push(() => host.stop());
  return host;
}
