/**
 * Events-mode recording end to end, in serve mode with a real worker, real ffmpeg, the test's RTSP
 * server and real files: a clip where a face comes after 12 s of an empty scene and goes 8 s
 * later. Once the event has ended, only segments that overlap its [start − pre, end + post] (or
 * are too new to judge) are left; its clip.mp4 starts on a keyframe and covers the window within
 * one GOP; Range requests give 206 with the right bytes; bad ids and spans give 400, a missing
 * event 404, no token 401, and the clip's signed link opens it without the token.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { ServeServer } from '../../src/serve/server';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import type { EventRecord } from '../../src/shared/contracts/events';
import { captureLogger } from '../support/log-capture';
import { FACE_MJPEG, TEST_FIXTURES } from '../support/clips';
import { untilValue } from '../support/process';
import { RtspTestServer } from '../support/rtsp-server';
import { probeMedia } from '../support/media-probe';

const ffmpeg = resolveFfmpeg();
const PRE = 2;
const POST = 2;
let dir: string;
let rtsp: RtspTestServer;
let host: EngineHost;
let server: ServeServer;
let base = '';
let token = '';
const { log } = captureLogger('info');

/** Rocket 12 s, the face clip (4 s), its last picture held 4 s, rocket 14 s: H.264 15 fps, a keyframe every 2 s. */
function faceComesAndGoes(out: string): void {
  const run = (args: string[]) => execFileSync(ffmpeg.path, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { timeout: 120_000 });
  const encode = ['-vf', 'scale=640:480,setsar=1,format=yuv420p', '-r', '15', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-bf', '0', '-an'];
  const still = path.join(dir, 'face-last.jpg');
  run(['-f', 'mjpeg', '-r', '5', '-i', FACE_MJPEG, '-vf', 'reverse', '-frames:v', '1', '-q:v', '2', still]);
  const parts = [
    ['-loop', '1', '-framerate', '15', '-i', path.join(TEST_FIXTURES, 'rocket.jpg'), '-t', '12'],
    ['-f', 'mjpeg', '-r', '5', '-i', FACE_MJPEG],
    ['-loop', '1', '-framerate', '15', '-i', still, '-t', '4'],
    ['-loop', '1', '-framerate', '15', '-i', path.join(TEST_FIXTURES, 'rocket.jpg'), '-t', '14'],
  ].map((input, i) => {
    const file = path.join(dir, `part-${i}.mp4`);
    run([...input, ...encode, file]);
    return file;
  });
  const list = path.join(dir, 'parts.txt');
  writeFileSync(list, parts.map((p) => `file '${p}'`).join('\n') + '\n');
  run(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', out]);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-events-clip-'));
  const clip = path.join(dir, 'scene.mp4');
  faceComesAndGoes(clip);
  rtsp = new RtspTestServer({ ffmpegPath: ffmpeg.path, clip });
  await rtsp.start();
  const configFile = path.join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      cameras: [{ id: 'door', name: 'Door', source: { kind: 'stream', url: rtsp.url() }, detect: { mode: 'always', fps: 5 }, record: { mode: 'events', preSeconds: PRE, postSeconds: POST } }],
    }),
  );
  host = new EngineHost({ configFile, launcher: new NodeLauncher(), log, eventsDir: path.join(dir, 'data') });
  server = new ServeServer({ engine: host, rendererDir: path.join(dir, 'no-renderer'), log });
  const { url } = await server.listen();
  const parsed = new URL(url);
  base = `${parsed.protocol}//${parsed.host}`;
  token = parsed.searchParams.get('token')!;
  host.start();
}, 180_000);

afterAll(async () => {
  await server?.close();
  await host?.stop();
  await rtsp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The status of an answer, its body read (an unread body would hold its connection). */
async function statusOf(answer: Promise<Response>): Promise<number> {
  const res = await answer;
  await res.arrayBuffer();
  return res.status;
}

const get = (url: string, headers: Record<string, string> = {}) => fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

describe('events-mode recording, clips and the recordings API', () => {
  let event: EventRecord;
  let clip: Buffer;

  it('keeps only the segments around the event, and its clip covers [start − pre, end + post] from a keyframe', async () => {
    const recordings = host.recordings!;
    // An event that has ended, its footage catalogued up to end + post, and segments of the empty
    // scene before it closed and judged (the camera may join the loop while the face is in view).
    const settled = async () => {
      const page = (await (await get('/api/events?camera=door')).json()) as { events: EventRecord[] };
      const done = page.events.find((e) => e.end !== null && recordings.catalogue.overlapping('door', e.end + POST * 1000, Infinity).length > 0);
      const closed = host.supervisor.status('door')?.recording?.segments ?? 0;
      return done && closed > recordings.catalogue.count() ? done : undefined;
    };
    event = await untilValue('an ended event with its footage, and empty footage deleted', settled, 200_000, 1000);
    expect(event.clip).toBe(`/api/events/${event.id}/clip.mp4`);
    const from = event.start - PRE * 1000;
    const to = event.end! + POST * 1000;
    // Every segment left that no event can still reach back to overlaps an event's window.
    const windows = ((await (await get('/api/events?camera=door')).json()) as { events: EventRecord[] }).events.map((e) => ({
      from: e.start - PRE * 1000,
      to: (e.end ?? Date.now()) + POST * 1000,
    }));
    const judged = recordings.catalogue.oldest(1000).filter((s) => s.end < Date.now() - PRE * 1000 - 10_000);
    expect(judged.filter((s) => !windows.some((w) => s.end > w.from && s.start < w.to))).toEqual([]);
    expect(judged.some((s) => s.end > from && s.start < to)).toBe(true);

    const res = await get(event.clip!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    clip = Buffer.from(await res.arrayBuffer());
    const file = path.join(dir, 'clip.mp4');
    writeFileSync(file, clip);
    const media = probeMedia(ffmpeg.path, file);
    expect(media.keyframeFirst).toBe(true);
    expect(media.streams.filter((s) => s.type === 'video').map((s) => s.codec)).toEqual(['h264']);
    // It starts on the keyframe at or before start − pre (at most one 2 s GOP early) and ends at end + post.
    const wanted = (to - from) / 1000;
    expect(media.seconds!).toBeGreaterThanOrEqual(wanted - 0.5);
    expect(media.seconds!).toBeLessThanOrEqual(wanted + 2 + 0.5);
    expect(media.seconds!).toBeGreaterThan(0);
    // faststart: the index comes before the media data.
    expect(clip.indexOf('moov')).toBeLessThan(clip.indexOf('mdat'));
  }, 300_000);

  it('serves byte ranges (206) and the same bytes again from the cache', async () => {
    const part = await get(event.clip!, { range: 'bytes=100-1123' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1123/${clip.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(clip.subarray(100, 1124))).toBe(true);
    const tail = await get(event.clip!, { range: `bytes=${clip.length - 10}-` });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(clip.subarray(clip.length - 10));
    expect(await statusOf(get(event.clip!, { range: `bytes=${clip.length + 10}-` }))).toBe(416);
  });

  it('refuses bad ids and spans with 400, a missing event with 404, no token with 401; a signed link opens the clip', async () => {
    expect(await statusOf(get('/api/events/not-an-id!/clip.mp4'))).toBe(400);
    expect(await statusOf(get('/api/events/..%2F..%2Fetc/clip.mp4'))).toBe(400);
    expect(await statusOf(get('/api/events/1-abcdef/clip.mp4'))).toBe(404);
    expect(await statusOf(fetch(`${base}${event.clip}`))).toBe(401);
    const { url } = (await (await get(`/api/events/${event.id}/clip-link`)).json()) as { url: string };
    const signed = await fetch(`${base}/${url}`);
    expect(signed.status).toBe(200);
    // Buffer.equals: a deep toEqual of 1.6 MB takes longer than the server keeps an idle connection.
    expect(Buffer.from(await signed.arrayBuffer()).equals(clip)).toBe(true);
    const part = await fetch(`${base}/${url}`, { headers: { range: 'bytes=0-4095' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(clip.subarray(0, 4096))).toBe(true);
    // A signature opens only what it was made for.
    expect(await statusOf(fetch(`${base}/${url.replace(event.id, '1-abcdef')}`))).toBe(401);

    const ranges = (await (await get('/api/recordings?camera=door')).json()) as { ranges: { camera: string; start: number; end: number }[] };
    expect(ranges.ranges.some((r) => r.camera === 'door' && r.start <= event.start && r.end >= event.end!)).toBe(true);
    expect(await statusOf(get('/api/recordings?after=abc'))).toBe(400);
    const span = `start=${event.start}&end=${event.end}`;
    expect(await statusOf(get(`/api/recordings/door/export.mp4?start=${event.end}&end=${event.start}`))).toBe(400);
    expect(await statusOf(get(`/api/recordings/door/export.mp4?start=0&end=${3_600_001}`))).toBe(400);
    expect(await statusOf(get(`/api/recordings/bad!id/export.mp4?${span}`))).toBe(400);
    expect(await statusOf(get(`/api/recordings/yard/export.mp4?${span}`))).toBe(404);
    expect(await statusOf(fetch(`${base}/api/recordings/door/export.mp4?${span}`))).toBe(401);
    const exported = await get(`/api/recordings/door/export.mp4?${span}`);
    expect(exported.status).toBe(200);
    const file = path.join(dir, 'export.mp4');
    writeFileSync(file, Buffer.from(await exported.arrayBuffer()));
    const media = probeMedia(ffmpeg.path, file);
    expect(media.keyframeFirst).toBe(true);
    expect(media.seconds!).toBeGreaterThanOrEqual((event.end! - event.start) / 1000 - 0.5);
  });
});
