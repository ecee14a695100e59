/**
 * What a stream URL may reach, with real ffmpeg and a real HTTP server on 127.0.0.1. The media are
 * made at run time: a red clip that only exists as a local file, and blue and green clips the HTTP
 * server serves. A stream camera must only ever show what the network gives it: an HLS playlist
 * naming the local file as a segment, and a URL with line breaks that would add ffconcat
 * directives (another file, a listening socket), never put red into the frames and never make
 * ffmpeg listen.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppConfig } from '../../src/shared/contracts/config';
import { EngineSourceConfig } from '../../src/shared/contracts/sources';
import { WorkerConfig } from '../../src/shared/contracts/worker';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { ffconcatList, planFfmpeg } from '../../src/workers/sources/ffmpeg-args';
import { FfmpegSource, type SourceState } from '../../src/workers/sources/ffmpeg-source';
import { MjpegTestServer } from '../support/mjpeg-server';
import { portOpen } from '../support/ports';
import { untilValue } from '../support/process';
import { freePort } from '../support/rtsp-server';
import { tempDir } from '../support/tmp';
import { FACE_MJPEG } from '../support/clips';

const ffmpeg = resolveFfmpeg();
const SIZE = 32;
type Colour = 'red' | 'blue' | 'green' | 'other';

let local: string; // only on this machine: the red clip
let served: string; // what the HTTP server hands out
let server: Server;
let base = '';
const sources: FfmpegSource[] = [];

function makeClip(dir: string, colour: string, format: 'mp4' | 'mpegts'): string {
  const file = path.join(dir, `${colour}.${format === 'mp4' ? 'mp4' : 'ts'}`);
  execFileSync(
    ffmpeg.path,
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `color=${colour}:s=160x120:r=10`, '-t', '1',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '10', '-f', format, file],
    { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 },
  );
  return file;
}

/** The colour of a model frame's centre pixel. */
function colourOf(rgb: Buffer): Colour {
  const i = ((SIZE / 2) * SIZE + SIZE / 2) * 3;
  const [r, g, b] = [rgb[i], rgb[i + 1], rgb[i + 2]];
  if (r > 150 && g < 90 && b < 90) return 'red';
  if (b > 150 && r < 90 && g < 90) return 'blue';
  if (g > 90 && r < 90 && b < 90) return 'green';
  return 'other';
}

interface Watched {
  source: FfmpegSource;
  colours: Colour[];
  states: Array<{ state: SourceState; reason: string | null }>;
  log: string[];
}

function watchStream(url: string): Watched {
  const w: Watched = { source: null as unknown as FfmpegSource, colours: [], states: [], log: [] };
  w.source = new FfmpegSource({
    ffmpegPath: ffmpeg.path,
    source: { kind: 'stream', url },
    width: SIZE,
    height: SIZE,
    preview: null,
    backoffInitialMs: 200,
    onFrame: (f) => {
      if (w.colours.length < 5000) w.colours.push(colourOf(f.data));
    },
    onState: (state, reason) => w.states.push({ state, reason }),
    onLog: (line) => w.log.push(line),
  });
  sources.push(w.source);
  w.source.start();
  return w;
}

beforeAll(async () => {
  local = tempDir('multicam-reach-local-');
  served = tempDir('multicam-reach-served-');
  makeClip(local, 'red', 'mp4');
  makeClip(local, 'red', 'mpegts');
  makeClip(served, 'blue', 'mp4');
  makeClip(served, 'blue', 'mpegts');
  makeClip(served, 'green', 'mp4');
  server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0].replace(/^\/+/, '');
    // A redirect off the network: to the local red segment.
    if (name === 'moved.ts') return void res.writeHead(302, { location: `file://${path.join(local, 'red.ts')}` }).end();
    if (!/^[\w.-]+$/.test(name)) return void res.writeHead(404).end();
    try {
      res.writeHead(200).end(readFileSync(path.join(served, name)));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 120_000);

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe('a stream URL reaches the network only', () => {
  it('plays a remote clip over HTTP (the whitelist leaves the network protocols alone)', async () => {
    const w = watchStream(`${base}/blue.mp4`);
    await untilValue('a blue frame', () => w.colours.includes('blue'), 60_000);
    expect(w.colours).not.toContain('red');
  });

  it('a user and password with quotes reach an HTTP camera intact through the input list', async () => {
    const camera = new MjpegTestServer({ clip: FACE_MJPEG, fps: 10, credentials: { user: "o'brien", pass: "it's" } });
    await camera.start();
    try {
      // encodeURIComponent leaves ' as it is: the raw quotes go through the ffconcat quoting.
      const url = camera.url();
      expect(url).toContain("o'brien:it's@");
      const w = watchStream(url);
      const state = await untilValue('running or error', () => ['running', 'error'].find((s) => w.source.stats().state === s), 60_000);
      expect(state, w.log.join('\n')).toBe('running');
    } finally {
      await camera.stop();
    }
  });

  it('an HLS playlist naming a local file as a segment, or redirecting a segment to one, never puts that file into the frames', async () => {
    // The local red segment and the redirect to it come first: if ffmpeg opened either, red frames would come before any blue one.
    writeFileSync(
      path.join(served, 'list.m3u8'),
      ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXTINF:1.0,', `file://${path.join(local, 'red.ts')}`,
        '#EXTINF:1.0,', `${base}/moved.ts`,
        '#EXTINF:1.0,', `${base}/blue.ts`,
        '#EXT-X-ENDLIST', ''].join('\n'),
    );
    const w = watchStream(`${base}/list.m3u8`);
    await untilValue('a blue frame (the remote segment)', () => w.colours.includes('blue'), 60_000);
    expect(w.colours.filter((c) => c === 'red').length, `frames: ${w.colours.join(' ')}`).toBe(0);
    expect(w.log.join('\n')).toMatch(/Protocol 'file' not on whitelist|Failed to open segment/);
  });

  it('a line break in the URL adds no ffconcat directive: the local file is never played', async () => {
    const url = `${base}/blue.mp4\nfile file:${path.join(local, 'red.mp4')}\nfile ${base}/green.mp4?`;
    // A source handed this URL directly is in error, its ffmpeg never run.
    const w = watchStream(url);
    const outcome = await untilValue(
      'the camera in error, or the clip after the injected one playing',
      () => (w.source.stats().state === 'error' ? 'error' : w.colours.includes('green') ? 'played' : false),
      60_000,
    );
    expect(w.colours.filter((c) => c === 'red').length, `frames: ${w.colours.join(' ')}`).toBe(0);
    expect(outcome).toBe('error');
    expect(w.source.stats().reason).toMatch(/control character/);
    expect(w.source.stats().ffmpegPid).toBeNull();
    // Refused by the config schema, by the worker's own check of what main sends it, and by the list builder.
    const config = AppConfig.safeParse({ cameras: [{ name: 'Door', source: { kind: 'stream', url } }] });
    expect(config.success).toBe(false);
    expect(JSON.stringify(config.error?.issues)).toMatch(/control character \(U\+000A/);
    const workerSource = { config: { kind: 'stream', url }, ffmpegPath: ffmpeg.path, previewFps: 5, noFrameTimeoutMs: 20_000 };
    expect(WorkerConfig.shape.source.safeParse(workerSource).success).toBe(false);
    expect(WorkerConfig.shape.source.safeParse({ ...workerSource, config: { kind: 'stream', url: `${base}/blue.mp4` } }).success).toBe(true);
    expect(() => ffconcatList(url)).toThrow(/control character/);
  });

  it('"file tcp://127.0.0.1:PORT?listen=1" after a line break never makes ffmpeg listen', async () => {
    const port = await freePort();
    const url = `${base}/blue.mp4\nfile tcp://127.0.0.1:${port}?listen=1`;
    const w = watchStream(url);
    const outcome = await untilValue(
      'the camera in error, or something listening on the port',
      async () => ((await portOpen(port)) ? 'listening' : w.source.stats().state === 'error' ? 'error' : false),
      60_000,
      100,
    );
    expect(outcome).toBe('error');
    expect(await portOpen(port)).toBe(false);
  });

  it('every other way of adding a line or leaving the quotes is refused or quoted', () => {
    for (const bad of ['http://h/a\rfile x', 'http://h/a\u0000b', 'http://h/a\tb', 'http://h/a\u0085b', ' http://h/a', 'http:\\\\h\\a', 'http:/h/a']) {
      expect(EngineSourceConfig.safeParse({ kind: 'stream', url: bad }).success, JSON.stringify(bad)).toBe(false);
    }
    expect(() => ffconcatList('http://h/a\rfile x')).toThrow(/control character/);
    // A quote closes, is written escaped, and reopens: the URL stays one token on one line.
    expect(ffconcatList("rtsp://o'brien:p'w@h/s")).toBe("ffconcat version 1.0\nfile 'rtsp://o'\\''brien:p'\\''w@h/s'\n");
    const plan = planFfmpeg({ source: { kind: 'stream', url: 'http://h/a' }, width: 8, height: 8, preview: null });
    const whitelist = plan.args[plan.args.indexOf('-protocol_whitelist') + 1].split(',');
    for (const local of ['file', 'data', 'unix', 'subfile', 'concat', 'cache', 'async', 'hls']) expect(whitelist).not.toContain(local);
  });
});
