/**
 * FfmpegSource with real ffmpeg processes and real servers on 127.0.0.1 that the tests start and
 * stop themselves: a video file, an RTSP server fed by a publishing ffmpeg, an MJPEG-over-HTTP
 * camera. Both ffmpegs this project may run (the one on the PATH and the npm package's static 4.1)
 * get the basic checks; the rest runs on whichever resolveFfmpeg() picks.
 */
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import jpeg from 'jpeg-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { npmFfmpegBinary, resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { FfmpegSource, type FfmpegSourceOptions, type SourceFrame, type SourceState } from '../../src/workers/sources/ffmpeg-source';
import { makeClipFolder, FACE_MJPEG, TEST_FIXTURES, type ClipFolder } from '../support/clips';
import { MjpegTestServer } from '../support/mjpeg-server';
import { pidAlive, quietPeriod, until } from '../support/process';
import { RtspTestServer } from '../support/rtsp-server';

const here = path.dirname(fileURLToPath(import.meta.url));
const ffmpeg = resolveFfmpeg();
const binaries = [...new Set([ffmpeg.path, npmFfmpegBinary()].filter((p): p is string => p !== null))];

let clips: ClipFolder;
const sources: FfmpegSource[] = [];

beforeAll(() => {
  clips = makeClipFolder(ffmpeg.path);
});
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});
afterAll(() => clips?.remove());

interface Watched {
  source: FfmpegSource;
  frames: SourceFrame[];
  previews: Array<{ seq: number; jpeg: Buffer }>;
  states: Array<{ state: SourceState; reason: string | null }>;
  log: string[];
}

function watch(options: Omit<FfmpegSourceOptions, 'onFrame' | 'onPreview' | 'onState' | 'onLog' | 'width' | 'height' | 'ffmpegPath'> & { ffmpegPath?: string }, onFrame?: (f: SourceFrame) => void): Watched {
  const w: Watched = { source: null as unknown as FfmpegSource, frames: [], previews: [], states: [], log: [] };
  w.source = new FfmpegSource({
    ffmpegPath: ffmpeg.path,
    width: 128,
    height: 128,
    ...options,
    onFrame: (f) => {
      if (w.frames.length < 500) w.frames.push(f);
      onFrame?.(f);
    },
    onPreview: (p) => {
      if (w.previews.length < 100) w.previews.push(p);
    },
    onState: (state, reason) => w.states.push({ state, reason }),
    onLog: (line) => w.log.push(line),
  });
  sources.push(w.source);
  w.source.start();
  return w;
}

const state = (w: Watched) => w.source.stats().state;

describe.each(binaries)('a file camera with %s', (binary) => {
  it('delivers letterboxed model frames and preview JPEGs of the same frames', async () => {
    const w = watch({ ffmpegPath: binary, source: { kind: 'file', path: clips.faceMp4, loop: true }, maxFps: 10, preview: { maxWidth: 960, fps: 5 } });
    await until(() => w.frames.length >= 6 && w.previews.length >= 3, 30_000, 'frames and previews');
    for (const f of w.frames) expect(f.data.length).toBe(128 * 128 * 3);
    const f = w.frames[0];
    expect([f.sourceWidth, f.sourceHeight]).toEqual([640, 480]);
    expect(f.letterbox).toEqual({ x: 0, y: 0.125, w: 1, h: 0.75 });
    // The letterbox bands ffmpeg padded are black; the picture between them is not.
    const row = (y: number) => f.data.subarray(y * 128 * 3, (y + 1) * 128 * 3);
    expect(Math.max(...row(2))).toBe(0);
    expect(Math.max(...row(64))).toBeGreaterThan(50);
    // maxFps 10 and a 5 fps preview: every second model frame has its picture.
    expect(w.previews.map((p) => p.seq % 2)).toEqual(w.previews.map(() => 0));
    const picture = jpeg.decode(w.previews[0].jpeg, { useTArray: true });
    expect([picture.width, picture.height]).toEqual([640, 480]);
    const stats = w.source.stats();
    expect(stats.state).toBe('running');
    expect(stats.fps).toBeGreaterThan(0);
    expect(stats.ffmpegPid).toBeGreaterThan(0);
    expect(stats.reconnects).toBe(0);
  });
});

describe('supervision', () => {
  it('hands on the newest complete frame and counts the ones it dropped', async () => {
    const delivered: Array<{ seq: number; newest: number }> = [];
    let w: Watched | null = null;
    w = watch({ source: { kind: 'file', path: clips.faceMp4, loop: true }, preview: null }, (f) => {
      delivered.push({ seq: f.seq, newest: w!.source.stats().framesDecoded - 1 });
      const until = Date.now() + 150; // a slow consumer: an inference that takes 150 ms
      while (Date.now() < until);
    });
    await until(() => delivered.length >= 12, 40_000, '12 frames through a slow consumer');
    const stats = w.source.stats();
    expect(stats.framesSkipped).toBeGreaterThan(0);
    expect(stats.framesDecoded).toBeGreaterThan(delivered.length);
    for (const d of delivered) expect(d.seq).toBe(d.newest);
    for (let i = 1; i < delivered.length; i++) expect(delivered[i].seq).toBeGreaterThan(delivered[i - 1].seq);
  });

  it('pulls a file read flat out: every frame in order, and ffmpeg decodes only what is taken', async () => {
    const delivered: number[] = [];
    let w: Watched | null = null;
    w = watch({ source: { kind: 'file', path: clips.faceMp4, loop: true }, realtime: false, preview: { maxWidth: 960, fps: 10 } }, (f) => {
      delivered.push(f.seq);
      // A slow consumer (an inference of 40 ms) that takes the next frame when it is done.
      setTimeout(() => w!.source.next(), 40);
    });
    await until(() => delivered.length >= 25, 40_000, '25 frames through a slow consumer');
    const stats = w.source.stats();
    expect(delivered).toEqual(delivered.map((_, i) => i));
    expect(stats.framesSkipped).toBe(0);
    // Unpulled, ffmpeg decodes this clip at hundreds of frames a second whatever the consumer does;
    // pulled, it is at most a pipe's worth ahead of it.
    expect(stats.framesDecoded).toBeLessThanOrEqual(delivered.length + 3);
    // Previews without maxFps: one for every third frame (30 fps assumed, 10 previews a second), paired by number.
    await until(() => w!.previews.length >= 3, 10_000, 'three previews');
    expect(w.previews.slice(0, 3).map((p) => p.seq)).toEqual([0, 3, 6]);
  });

  it('restarts a killed ffmpeg, counted in reconnects, running again', async () => {
    const w = watch({ source: { kind: 'file', path: clips.faceMp4, loop: true }, maxFps: 10, preview: null });
    await until(() => state(w) === 'running', 30_000, 'running');
    const first = w.source.stats().ffmpegPid!;
    process.kill(first, 'SIGKILL');
    await until(() => w.source.stats().reconnects >= 1 && state(w) === 'running' && w.source.stats().ffmpegPid !== first, 60_000, 'running again after the kill');
    expect(w.states.some((s) => s.state === 'no-signal')).toBe(true);
    expect(pidAlive(first)).toBe(false);
  });

  it('SIGKILL of the process that owns the source leaves no ffmpeg behind', async () => {
    const require = createRequire(import.meta.url);
    const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
    const host = fork(path.join(here, 'fixtures', 'source-host.ts'), [ffmpeg.path, clips.faceMp4], { execArgv: ['--import', tsx], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    try {
      const report = await new Promise<{ ffmpegPid: number; boundByKernel: boolean }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the host never reported a running source')), 30_000);
        host.once('message', (m) => {
          clearTimeout(timer);
          resolve(m as { ffmpegPid: number; boundByKernel: boolean });
        });
      });
      expect(pidAlive(report.ffmpegPid)).toBe(true);
      if (process.platform === 'linux') expect(report.boundByKernel).toBe(true);
      host.kill('SIGKILL');
      await until(() => !pidAlive(report.ffmpegPid), 5000, 'ffmpeg to end with its SIGKILLed parent');
    } finally {
      if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
    }
  });
});

describe('an RTSP camera', () => {
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  let server: RtspTestServer;

  beforeAll(async () => {
    server = new RtspTestServer({ ffmpegPath: ffmpeg.path, clip: clips.faceMp4, credentials: { user: 'cam', pass: password } });
    await server.start();
  });
  afterAll(() => server.stop());

  it('runs, keeps the password out of ps, goes to no-signal when the server goes and back when it returns', async () => {
    const w = watch({ source: { kind: 'stream', url: server.url() }, maxFps: 10, preview: { maxWidth: 960, fps: 5 }, noFrameTimeoutMs: 4000, backoffMaxMs: 2000 });
    await until(() => state(w) === 'running' && w.frames.length >= 3 && w.previews.length >= 1, 30_000, 'RTSP frames');
    const pid = w.source.stats().ffmpegPid!;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    expect(cmdline).toContain('ffmpeg');
    expect(cmdline).not.toContain(password);

    await server.stop();
    await until(() => state(w) === 'no-signal', 20_000, 'no-signal after the server went away');
    await server.start();
    await until(() => state(w) === 'running', 40_000, 'running after the server came back');
    expect(w.source.stats().reconnects).toBeGreaterThanOrEqual(1);

    const everything = [...w.log, ...w.states.map((s) => s.reason ?? ''), JSON.stringify(w.source.stats())].join('\n');
    expect(everything).not.toContain(password);
  });

  it('wrong credentials: error with ffmpeg’s 401, not retried, no password anywhere', async () => {
    const wrong = `wrong-${Math.random().toString(36).slice(2)}`;
    const w = watch({ source: { kind: 'stream', url: server.url({ user: 'cam', pass: wrong }) }, preview: null });
    await until(() => state(w) === 'error', 30_000, 'error state');
    const stats = w.source.stats();
    expect(stats.failure).toBe('unauthorized');
    expect(stats.reason).toMatch(/401 Unauthorized/);
    expect(stats.reason).toContain('rtsp://cam:***@127.0.0.1');
    await quietPeriod(1500); // not retried
    expect(w.source.stats().reconnects).toBe(0);
    const everything = [...w.log, ...w.states.map((s) => s.reason ?? '')].join('\n');
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(password);
  });

  it('a path the server does not have: error with 404', async () => {
    const url = server.url().replace(/\/cam$/, '/nothing-here');
    const w = watch({ source: { kind: 'stream', url }, preview: null });
    await until(() => state(w) === 'error', 30_000, 'error state');
    expect(w.source.stats()).toMatchObject({ failure: 'not-found' });
    expect(w.source.stats().reason).toMatch(/404 Not Found/);
  });
});

describe('sources that cannot be opened', () => {
  it('nothing listening: error with "Connection refused"', async () => {
    const w = watch({ source: { kind: 'stream', url: 'rtsp://cam:topsecret@127.0.0.1:9/cam' }, preview: null });
    await until(() => state(w) === 'error', 30_000, 'error state');
    expect(w.source.stats().reason).toMatch(/Connection refused/);
    expect(JSON.stringify([w.log, w.states])).not.toContain('topsecret');
  });

  it('a missing file: error with "No such file or directory", not retried', async () => {
    const w = watch({ source: { kind: 'file', path: path.join(clips.dir, 'missing.mp4') }, preview: null });
    await until(() => state(w) === 'error', 30_000, 'error state');
    expect(w.source.stats()).toMatchObject({ failure: 'no-such-file' });
    expect(w.source.stats().reason).toMatch(/No such file or directory/);
  });

  it.each([
    ['a text file', 'notes.txt'],
    ['an audio file', 'tone.wav'],
  ])('not a video (%s): error saying so', async (_what, name) => {
    const file = path.join(clips.dir, name);
    if (name.endsWith('.txt')) writeFileSync(file, 'Camera notes: the front door camera is mounted above the porch light.\n');
    else execFileSync(ffmpeg.path, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', file]);
    for (const binary of binaries) {
      const w = watch({ ffmpegPath: binary, source: { kind: 'file', path: file }, preview: { maxWidth: 960, fps: 5 } });
      await until(() => state(w) === 'error', 30_000, `error state with ${binary}`);
      expect(w.source.stats().failure).toBe('not-video');
      expect(w.frames.length).toBe(0);
    }
  });
});

describe('an MJPEG-over-HTTP camera', () => {
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const server = new MjpegTestServer({ clip: FACE_MJPEG, fps: 10, credentials: { user: 'viewer', pass: password } });
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it('runs with frames and previews', async () => {
    const w = watch({ source: { kind: 'stream', url: server.url() }, preview: { maxWidth: 960, fps: 5 } });
    await until(() => state(w) === 'running' && w.frames.length >= 5 && w.previews.length >= 2, 30_000, 'MJPEG frames');
    expect(w.frames[0].letterbox).toEqual({ x: 0, y: 0.125, w: 1, h: 0.75 });
    expect(w.source.stats().fps).toBeGreaterThan(0);
    expect(JSON.stringify([w.log, w.states, w.source.stats()])).not.toContain(password);
  });

  it('wrong credentials: error with 401', async () => {
    const w = watch({ source: { kind: 'stream', url: server.url({ user: 'viewer', pass: 'nope-nope' }) }, preview: null });
    await until(() => state(w) === 'error', 30_000, 'error state');
    expect(w.source.stats().failure).toBe('unauthorized');
    expect(w.source.stats().reason).toMatch(/401/);
    expect(JSON.stringify([w.log, w.states])).not.toContain('nope-nope');
  });
});

it('a still picture (the rocket) plays as a camera, a few frames a second', async () => {
  const w = watch({ source: { kind: 'file', path: path.join(TEST_FIXTURES, 'rocket.jpg'), loop: true }, maxFps: 5, preview: null });
  await until(() => w.frames.length >= 3, 30_000, 'frames from a still');
  expect(w.frames[0].sourceWidth).toBe(640);
  expect(w.frames[0].sourceHeight).toBe(427);
});
