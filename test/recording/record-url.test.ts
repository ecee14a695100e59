/**
 * A stream camera with a recordUrl, on real processes: detection decodes the 320×240 substream
 * while the recording copies the 1280×720 main stream (two RTSP mounts of the test's server).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import type { ResultMessage } from '../../src/shared/contracts/frames';
import { captureLogger } from '../support/log-capture';
import { untilValue } from '../support/process';
import type { RtspTestServer } from '../support/rtsp-server';
import { testStream } from './test-stream';
import { probeMedia } from '../support/media-probe';

const ffmpeg = resolveFfmpeg();
let dir: string;
const servers: RtspTestServer[] = [];
let host: EngineHost | null = null;
const { log } = captureLogger('info');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-record-url-'));
  for (const [name, size] of [['main', '1280x720'], ['sub', '320x240']]) servers.push(await testStream(ffmpeg.path, path.join(dir, `${name}.mp4`), size, { mount: name }));
}, 120_000);

afterAll(async () => {
  await host?.stop();
  for (const s of servers) await s.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('recordUrl', () => {
  it('detection runs on the substream while the recording is the main stream', async () => {
    const [main, sub] = servers;
    const configFile = path.join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        cameras: [{ id: 'door', name: 'Door', source: { kind: 'stream', url: sub.url(), recordUrl: main.url() }, detect: { mode: 'always', fps: 2 }, record: { mode: 'continuous' } }],
      }),
    );
    const engine = new EngineHost({ configFile, launcher: new NodeLauncher(), log, eventsDir: path.join(dir, 'data') });
    host = engine;
    const results: ResultMessage[] = [];
    engine.supervisor.on('result', (r) => results.push(r));
    engine.start();
    const [segment] = await untilValue('a catalogued segment', () => {
      const rows = engine.recordings?.catalogue.oldest(10) ?? [];
      return rows.length > 0 ? rows : undefined;
    }, 120_000, 500);
    const media = probeMedia(ffmpeg.path, engine.recordings!.files.absPath(segment.path));
    expect(media.streams.filter((s) => s.type === 'video').map((s) => [s.width, s.height])).toEqual([[1280, 720]]);
    expect(media.keyframeFirst).toBe(true);
    await untilValue('a result', () => (results.length > 0 ? true : undefined), 60_000);
    expect(new Set(results.map((r) => `${r.sourceWidth}x${r.sourceHeight}`))).toEqual(new Set(['320x240']));
    // No audio in either stream: the status says so.
    expect(engine.supervisor.status('door')?.recording).toMatchObject({ state: 'recording', audio: 'none' });
  }, 200_000);
});
