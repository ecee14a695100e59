/**
 * The cap on concurrent exports: with a stand-in for ffmpeg that takes a second and writes
 * nothing, seven different clips asked at once get two cuts running and four waiting; the seventh
 * is refused as busy at once, and the six others end in the stand-in's failure, not a hang.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore } from '../../src/engine/events/store';
import { Recordings } from '../../src/engine/recording/service';
import { ClipBusyError } from '../../src/engine/recording/clips';
import { tempDir } from '../support/tmp';

const dir = tempDir('multicam-clip-cap-');
const store = EventStore.open(dir);
const slowFfmpeg = path.join(dir, 'slow-ffmpeg.sh');
const runs = path.join(dir, 'runs.log');
fs.writeFileSync(slowFfmpeg, `#!/bin/sh\ncat > /dev/null\necho s >> '${runs}'\nsleep 1\necho e >> '${runs}'\necho "stand-in: no clip" >&2\nexit 1\n`, { mode: 0o700 });
const recordings = new Recordings({
  root: path.join(dir, 'recordings'),
  db: store.db,
  ffmpegPath: () => slowFfmpeg,
  limits: () => ({ continuousDays: 3, eventDays: 30, maxGB: null, minFreePercent: 0 }),
  policyOf: () => null,
  notice: () => undefined,
  segmentSeconds: 10,
  diskSpace: () => null,
});
afterAll(() => {
  recordings.close();
  store.close();
});

describe('clip exports', () => {
  it('run two at a time with four waiting, and refuse more as busy', async () => {
    const start = Date.UTC(2026, 11, 8, 3, 0, 0);
    fs.mkdirSync(path.join(dir, 'recordings', 'door', '2026-12-08', '03'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'recordings', 'door', '2026-12-08', '03', '20261208-030000-aa.mp4'), 'x');
    recordings.catalogue.add({ camera: 'door', start, end: start + 10_000, bytes: 1, path: 'door/2026-12-08/03/20261208-030000-aa.mp4' });
    const asks = [0, 1, 2, 3, 4, 5, 6].map((i) => recordings.clips.clip(`k${i}`, 'door', start + i * 1000, start + 9000).then(() => 'made', (err: Error) => (err instanceof ClipBusyError ? 'busy' : err.message)));
    const answers = await Promise.all(asks);
    expect(answers.filter((a) => a === 'busy')).toHaveLength(1);
    expect(answers[6]).toBe('busy');
    expect(answers.slice(0, 6).every((a) => /could not cut the clip.*stand-in: no clip/.test(a))).toBe(true);
    // Six cuts ran, never more than two at once.
    const lines = fs.readFileSync(runs, 'utf8').trim().split('\n');
    let running = 0;
    let most = 0;
    for (const line of lines) most = Math.max(most, (running += line === 's' ? 1 : -1));
    expect(lines.filter((l) => l === 's')).toHaveLength(6);
    expect(most).toBe(2);
    // Nothing half-made is left behind.
    expect(fs.readdirSync(recordings.clips.dir)).toEqual([]);
  });
});
