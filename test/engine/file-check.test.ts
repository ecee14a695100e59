/**
 * A file camera's path is checked when it is saved, through the engine API on real files and the
 * real ffmpeg: a missing path, a folder, an unreadable file and a file that is no video are each
 * refused with the reason, and none of them becomes a camera or goes into the configuration; a
 * real clip goes in. Editing a camera onto a bad path is refused the same way and keeps its source.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { silentLogger } from '../../src/engine/logger';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import type { AppConfig } from '../../src/shared/contracts/config';
import { makeClipFolder } from '../support/clips';
import { tempDir } from '../support/tmp';

describe('file paths checked when saved', () => {
  const dir = tempDir('multicam-file-check-');
  const clips = makeClipFolder(resolveFfmpeg().path);
  const host = new EngineHost({
    configFile: path.join(dir, 'config.json'),
    launcher: new NodeLauncher(),
    supervisor: { calibrate: false, calibrationFile: null, statsIntervalMs: 250 },
    log: silentLogger(),
  });
  afterAll(async () => {
    await host.stop();
    clips.remove();
  });

  it('refuses what is no readable video, with the reason, and keeps what is', async () => {
    host.start();
    const folder = path.join(dir, 'clips');
    mkdirSync(folder);
    const text = path.join(dir, 'notes.mp4');
    writeFileSync(text, 'these are notes, not a video\n'.repeat(50));
    const locked = path.join(dir, 'locked.mp4');
    writeFileSync(locked, 'x');
    chmodSync(locked, 0o000);
    const add = (file: string) => host.handle({ method: 'addCamera', camera: { name: path.basename(file), source: { kind: 'file', path: file } } });
    const cases: Array<[string, RegExp]> = [
      [path.join(dir, 'no-such-clip.mp4'), /^there is no file at .*no-such-clip\.mp4$/],
      [folder, /clips is a folder, not a video file$/],
      [text, /notes\.mp4 is not a video ffmpeg can read: .+/],
    ];
    // root reads any file whatever its mode: the permission case is only for other users.
    if (process.getuid?.() !== 0) cases.push([locked, /locked\.mp4 cannot be read by the engine \(permission denied\)$/]);
    for (const [file, reason] of cases) {
      const answer = await add(file);
      expect(answer.ok, file).toBe(false);
      expect((answer as { error: string }).error, file).toMatch(reason);
    }
    const config = () => (host.handle({ method: 'getConfig' }) as Promise<{ ok: true; value: AppConfig }>).then((a) => a.value);
    expect((await config()).cameras).toEqual([]);
    expect(host.snapshot().cameras).toEqual([]);

    const good = await add(clips.faceMp4);
    expect(good.ok, JSON.stringify(good)).toBe(true);
    const id = (good as { ok: true; value: { id: string } }).value.id;
    expect((await config()).cameras.map((c) => c.source)).toEqual([{ kind: 'file', path: clips.faceMp4 }]);

    // Moved onto a missing file: refused, the camera keeps its clip.
    const moved = await host.handle({ method: 'updateCamera', id, patch: { source: { kind: 'file', path: path.join(dir, 'gone.mp4') } } });
    expect(moved.ok).toBe(false);
    expect((moved as { error: string }).error).toMatch(/^there is no file at .*gone\.mp4$/);
    expect((await config()).cameras.map((c) => c.source)).toEqual([{ kind: 'file', path: clips.faceMp4 }]);
  }, 120_000);
});
