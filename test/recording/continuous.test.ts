/**
 * Recording on real processes: an RTSP camera (the test's RTSP server publishing H.264 with AAC
 * audio) in continuous mode, in an engine with a data folder. The worker's own ffmpeg copies the
 * stream into 10 s segments; each closed one is catalogued. After about 40 s there are 4 or more
 * catalogued segments, each decodes and has its audio, and together they cover the time recorded
 * within one segment. Then the engine stops, a stray file and a row without a file are planted,
 * and the next start removes the row and the file that does not decode, and catalogues a segment
 * cut short.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { captureLogger } from '../support/log-capture';
import { untilValue } from '../support/process';
import type { RtspTestServer } from '../support/rtsp-server';
import { testStream } from './test-stream';
import { probeMedia } from '../support/media-probe';
import type { Segment } from '../../src/engine/recording/catalogue';

const ffmpeg = resolveFfmpeg();
let dir: string;
let rtsp: RtspTestServer;
let host: EngineHost | null = null;
const { log } = captureLogger('info');

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-recording-'));
  // A camera's stream: H.264 with a keyframe every 2 s, and AAC audio.
  rtsp = await testStream(ffmpeg.path, path.join(dir, 'av.mp4'), '320x240', { audio: true, seconds: 20 });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await rtsp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startEngine(): EngineHost {
  const configFile = path.join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({ cameras: [{ id: 'door', name: 'Door', source: { kind: 'stream', url: rtsp.url() }, detect: { fps: 2 }, record: { mode: 'continuous' } }] }),
  );
  const engine = new EngineHost({ configFile, launcher: new NodeLauncher(), log, eventsDir: path.join(dir, 'data') });
  engine.start();
  return engine;
}

const segments = (engine: EngineHost): Segment[] => engine.recordings!.catalogue.oldest(1000);

describe('continuous recording of an RTSP camera', () => {
  it('catalogues 10 s segments that decode with their audio and cover the time recorded', async () => {
    host = startEngine();
    const engine = host;
    const running = await untilValue('the camera running', () => (engine.supervisor.status('door')?.state === 'running' ? Date.now() : undefined), 60_000);
    const rows = await untilValue('4 catalogued segments', () => (segments(engine).length >= 4 ? segments(engine) : undefined), 120_000, 500);
    const recordedUntil = Date.now();
    for (const row of rows) {
      const file = engine.recordings!.files.absPath(row.path);
      const media = probeMedia(ffmpeg.path, file);
      expect(media.seconds, `${row.path} decodes`).toBeGreaterThan(5);
      expect(media.streams.map((s) => `${s.type}:${s.codec}`).sort()).toEqual(['audio:aac', 'video:h264']);
      expect(media.keyframeFirst).toBe(true);
      // The row says what the file holds: its length within a frame or two, its size exactly.
      expect(Math.abs((row.end - row.start) / 1000 - media.seconds!)).toBeLessThan(0.5);
      expect(row.bytes).toBeGreaterThan(0);
      expect(row.path).toMatch(/^door\/\d{4}-\d{2}-\d{2}\/\d{2}\/\d{8}-\d{6}-[a-z0-9]+\.mp4$/);
    }
    // Together they cover the wall time recorded (from the first picture to the last closed
    // segment) within one segment, without gaps between them.
    const summed = rows.reduce((sum, r) => sum + (r.end - r.start), 0);
    const span = rows[rows.length - 1].end - rows[0].start;
    expect(Math.abs(summed - span)).toBeLessThan(10_000);
    expect(rows[0].start).toBeGreaterThan(running - 12_000);
    expect(Math.abs(recordedUntil - running - summed)).toBeLessThan(2 * 10_000);
    const status = engine.supervisor.status('door');
    expect(status?.recording).toMatchObject({ state: 'recording', audio: 'copied' });
  }, 240_000);

  it('at the next start, a row whose file is gone goes and a file that does not decode is removed', async () => {
    const before = segments(host!);
    await host!.stop();
    host = null;
    const root = path.join(dir, 'data', 'recordings');
    const gone = before[0];
    rmSync(path.join(root, gone.path));
    // A segment a crash left with nothing playable in it, and a file that is not the app's.
    const hourDir = path.join(root, path.dirname(before[1].path));
    const broken = path.join(hourDir, path.basename(before[1].path).replace(/-[a-z0-9]+\.mp4$/, '-dead01.mp4'));
    writeFileSync(broken, Buffer.alloc(4096, 7));
    // A segment cut short, as a SIGKILL leaves it: it plays up to its last whole fragment.
    const whole = readFileSync(path.join(root, before[2].path));
    const cut = path.join(hourDir, path.basename(before[2].path).replace(/-[a-z0-9]+\.mp4$/, '-cut001.mp4'));
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const foreign = path.join(hourDir, 'notes.txt');
    writeFileSync(foreign, 'mine');
    mkdirSync(path.join(root, 'door', 'keep-me'));
    host = startEngine();
    const result = await host.recordings!.recovered;
    expect(result.removedRows).toBe(1);
    // The broken file, and the segment ffmpeg had only just opened when the engine stopped if it holds no whole fragment.
    expect(result.removedFiles).toBeGreaterThanOrEqual(1);
    expect(result.recovered).toBeGreaterThanOrEqual(1);
    const recovered = segments(host).find((s) => s.path.endsWith('-cut001.mp4'));
    expect(recovered, JSON.stringify({ result, cut: readdirSync(hourDir), rows: segments(host).map((s) => s.path) })).toBeDefined();
    expect(recovered!.end - recovered!.start).toBeLessThan(before[2].end - before[2].start);
    expect(recovered!.end - recovered!.start).toBeGreaterThan(1000);
    // Made whole again: it reads from its start without an index error, and plays what it held.
    const media = probeMedia(ffmpeg.path, host.recordings!.files.absPath(recovered!.path));
    expect(media.keyframeFirst).toBe(true);
    expect(Math.abs(media.seconds! - (recovered!.end - recovered!.start) / 1000)).toBeLessThan(0.5);
    expect(existsSync(broken)).toBe(false);
    expect(existsSync(foreign)).toBe(true);
    expect(existsSync(path.join(root, 'door', 'keep-me'))).toBe(true);
    const paths = segments(host).map((s) => s.path);
    expect(paths).not.toContain(gone.path);
    expect(paths).toEqual(expect.arrayContaining(before.slice(1).map((s) => s.path)));
  }, 120_000);
});
