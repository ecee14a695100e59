/**
 * Serve mode with cameras the engine opens itself, on real worker processes, real ffmpeg and real
 * servers on 127.0.0.1 that the test starts and stops: an RTSP camera, an MJPEG-over-HTTP camera
 * and a file camera recognise with no page connected; a camera that cannot be opened is in error
 * with ffmpeg's reason and leaves the others alone; no frame message passes through main; no
 * password reaches /api/stats, /metrics, the WebSocket or the log; pages get previews.
 */
import { captureLogger } from '../support/log-capture';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import type { LaunchOptions, WorkerProcess } from '../../src/engine/launcher';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { ServeServer } from '../../src/serve/server';
import type { StatsResponse } from '../../src/serve/metrics';
import type { PreviewMessage } from '../../src/shared/contracts/sources';
import { decodeLiveView } from '../../src/shared/contracts/live';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { FACE_MJPEG, makeClipFolder, type ClipFolder } from '../support/clips';
import { MjpegTestServer } from '../support/mjpeg-server';
import { pidAlive, sleep, until, untilValue } from '../support/process';
import { RtspTestServer } from '../support/rtsp-server';

/** NodeLauncher that counts the frame messages main sends to workers. */
class CountingLauncher extends NodeLauncher {
  framesSent = 0;
  launch(options: LaunchOptions): WorkerProcess {
    const worker = super.launch(options);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message: unknown, transfer?: unknown[]) => {
      if (['frame', 'frame-bytes'].includes(String((message as { type?: unknown } | null)?.type))) this.framesSent++;
      return post(message, transfer);
    };
    return worker;
  }
}

const ffmpeg = resolveFfmpeg();
const rtspPassword = `rtsp-${Math.random().toString(36).slice(2, 10)}`;
const httpPassword = `http-${Math.random().toString(36).slice(2, 10)}`;
let clips: ClipFolder;
let rtsp: RtspTestServer;
let mjpeg: MjpegTestServer;
let dir: string;
let host: EngineHost;
let server: ServeServer;
const launcher = new CountingLauncher();
const { log, lines: logLines } = captureLogger('debug');
let base = '';
let token = '';

async function stats(): Promise<StatsResponse> {
  const res = await fetch(`${base}/api/stats`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as StatsResponse;
}
const camera = (s: StatsResponse, name: string) => s.cameras.find((c) => c.name === name)!;

beforeAll(async () => {
  clips = makeClipFolder(ffmpeg.path);
  rtsp = new RtspTestServer({ ffmpegPath: ffmpeg.path, clip: clips.faceMp4, credentials: { user: 'cam', pass: rtspPassword } });
  mjpeg = new MjpegTestServer({ clip: FACE_MJPEG, fps: 10, credentials: { user: 'viewer', pass: httpPassword } });
  await rtsp.start();
  await mjpeg.start();
  dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-serve-sources-'));
  const configFile = path.join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      cameras: [
        { name: 'Door', source: { kind: 'stream', url: rtsp.url() }, maxFps: 10 },
        { name: 'Yard', source: { kind: 'stream', url: mjpeg.url() } },
        { name: 'Clip', source: { kind: 'file', path: clips.faceMp4, loop: true }, maxFps: 10 },
        { name: 'Gone', source: { kind: 'stream', url: `rtsp://cam:${rtspPassword}@127.0.0.1:9/nothing` } },
        { name: 'Missing', source: { kind: 'file', path: path.join(dir, 'no-such-clip.mp4') } },
      ],
      settings: { sourceTimeoutMs: 5000, previewFps: 5 },
    }),
  );
  host = new EngineHost({ configFile, launcher, log });
  server = new ServeServer({ engine: host, rendererDir: path.join(dir, 'no-renderer'), log });
  const { url } = await server.listen();
  const parsed = new URL(url);
  base = `${parsed.protocol}//${parsed.host}`;
  token = parsed.searchParams.get('token')!;
  host.start();
}, 120_000);

afterAll(async () => {
  await server?.close();
  await host?.stop();
  await rtsp?.stop();
  await mjpeg?.stop();
  clips?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('serve mode with engine-side cameras', () => {
  it('recognises with no page connected; a camera that cannot be opened is in error with the reason', async () => {
    let s = await stats();
    const deadline = Date.now() + 60_000;
    while (!['Door', 'Yard', 'Clip'].every((n) => camera(s, n).state === 'running' && (camera(s, n).fps ?? 0) > 0 && camera(s, n).ips > 0)) {
      if (Date.now() > deadline) throw new Error(`cameras not running with fps and ips: ${JSON.stringify(s.cameras.map((c) => [c.name, c.state, c.fps, c.ips, c.error]))}`);
      await sleep(500);
      s = await stats();
    }
    expect(server.clientCount).toBe(0);
    // Starts are staggered (one loading worker per core): the failing cameras may come later.
    // On a busy machine a first attempt may end on the source timeout before ffmpeg's own error
    // is read; the next attempt gives the reason.
    s = await untilValue('the failing cameras to be in error with their reasons', async () => {
      const now = await stats();
      const reason = (n: string) => (camera(now, n).state === 'error' && camera(now, n).error) || '';
      return /Connection refused/.test(reason('Gone')) && /No such file or directory/.test(reason('Missing')) && now;
    }, 120_000, 250);
    expect(camera(s, 'Gone')).toMatchObject({ state: 'error' });
    expect(camera(s, 'Gone').error).toMatch(/Connection refused/);
    expect(camera(s, 'Missing').error).toMatch(/No such file or directory/);
    expect(s.ffmpeg?.version).toBeTruthy();
    const clip = camera(s, 'Clip');
    expect(clip.ffmpeg_pid).toBeGreaterThan(0);
    expect(pidAlive(clip.ffmpeg_pid!)).toBe(true);

    // The failing cameras keep retrying; the others keep their pids and their results.
    const pids = Object.fromEntries(['Door', 'Yard', 'Clip'].map((n) => [n, [camera(s, n).pid, camera(s, n).ffmpeg_pid]]));
    const inferred = Object.fromEntries(['Door', 'Yard', 'Clip'].map((n) => [n, camera(s, n).framesInferred]));
    s = await untilValue('every working camera to infer more frames', async () => {
      const now = await stats();
      return ['Door', 'Yard', 'Clip'].every((n) => camera(now, n).framesInferred > inferred[n]) && now;
    }, 60_000, 250);
    for (const n of ['Door', 'Yard', 'Clip']) {
      expect([camera(s, n).pid, camera(s, n).ffmpeg_pid], n).toEqual(pids[n]);
      expect(camera(s, n).framesInferred, n).toBeGreaterThan(inferred[n]);
    }
    // Every one of those inferences ran on a frame decoded inside its worker.
    expect(launcher.framesSent).toBe(0);
  });

  it('keeps every password out of /api/stats, /metrics, the WebSocket and the log; pages get previews', async () => {
    const statsText = await (await fetch(`${base}/api/stats`, { headers: { authorization: `Bearer ${token}` } })).text();
    const metricsText = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metricsText).toMatch(/multicam_camera_decoded_frames_per_second\{camera_id="[^"]+",camera_name="Door"\} [0-9.]+/);
    expect(metricsText).toMatch(/multicam_camera_reconnects_total/);
    // Engine-side cameras gate inference on motion by default: its series are there.
    expect(metricsText).toMatch(/multicam_camera_motion\{camera_id="[^"]+",camera_name="Door"\} [01]/);
    expect(metricsText).toMatch(/multicam_camera_inferences_skipped_no_motion_total\{camera_id="[^"]+",camera_name="Door"\} [0-9]+/);
    expect(JSON.parse(statsText).cameras.find((c: { name: string }) => c.name === 'Door').motion_share).toBeGreaterThanOrEqual(0);

    const texts: string[] = [];
    const previews: PreviewMessage[] = [];
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${token}`, { headers: { origin: base } });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        // The live view: JPEG previews, and the cameras' own video as fragmented MP4 with its results.
        const decoded = decodeLiveView(new Uint8Array(data as Buffer));
        if (!decoded.ok) throw new Error(`undecodable binary: ${decoded.error}`);
        if (decoded.message.type === 'preview') previews.push(decoded.message);
      } else texts.push(String(data));
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ kind: 'request', id: 1, request: { method: 'getConfig' } }));
    const ids = new Set((await stats()).cameras.filter((c) => ['Door', 'Yard', 'Clip'].includes(c.name)).map((c) => c.id));
    await until(() => [...ids].every((id) => previews.some((p) => p.cameraId === id)), 30_000, 'a preview from each running camera');
    ws.close();

    const config = texts.map((t) => JSON.parse(t)).find((m) => m.kind === 'response' && m.id === 1);
    expect(JSON.stringify(config)).toContain('rtsp://cam:***@127.0.0.1');
    const previewHeaders = previews.map(({ jpeg: _jpeg, ...header }) => JSON.stringify(header));
    for (const secret of [rtspPassword, httpPassword]) {
      for (const [what, text] of [
        ['/api/stats', statsText],
        ['/metrics', metricsText],
        ['WebSocket text', texts.join('\n')],
        ['WebSocket previews', previewHeaders.join('\n')],
        ['log', logLines.join('\n')],
      ]) {
        expect(text.includes(secret), `${what} contains a password`).toBe(false);
      }
    }
    // Nobody watches again: workers stop sending previews.
    await until(() => server.clientCount === 0, 5000, 'the page to be gone');
  });

  it('a killed ffmpeg comes back, counted in reconnects', async () => {
    const before = camera(await stats(), 'Clip');
    process.kill(before.ffmpeg_pid!, 'SIGKILL');
    const killedAt = Date.now();
    let now = before;
    while (!(now.state === 'running' && (now.reconnects ?? 0) >= 1 && now.ffmpeg_pid !== before.ffmpeg_pid && now.ips > 0)) {
      if (Date.now() - killedAt > 60_000) throw new Error(`not running again: ${JSON.stringify(now)}`);
      await sleep(250);
      now = camera(await stats(), 'Clip');
    }
    expect(now.pid).toBe(before.pid);
  });

  it('the RTSP server going away: no-signal; back: running', async () => {
    await rtsp.stop();
    let door = camera(await stats(), 'Door');
    const lostAt = Date.now();
    while (door.state !== 'no-signal') {
      if (Date.now() - lostAt > 60_000) throw new Error(`not no-signal: ${JSON.stringify(door)}`);
      await sleep(250);
      door = camera(await stats(), 'Door');
    }
    expect(door.error).toBeTruthy();
    await rtsp.start();
    const backAt = Date.now();
    while (door.state !== 'running') {
      if (Date.now() - backAt > 60_000) throw new Error(`not running again: ${JSON.stringify(door)}`);
      await sleep(250);
      door = camera(await stats(), 'Door');
    }
  });

  it('SIGKILL of a worker leaves no ffmpeg; stop() leaves no worker and no ffmpeg', async () => {
    const clip = camera(await stats(), 'Clip');
    process.kill(clip.pid!, 'SIGKILL');
    await until(() => !pidAlive(clip.ffmpeg_pid!), 30_000, 'the killed worker’s ffmpeg to end');
    const s = await stats();
    const workers = s.cameras.map((c) => c.pid).filter((p): p is number => !!p && p !== clip.pid);
    const ffmpegs = s.cameras.map((c) => c.ffmpeg_pid).filter((p): p is number => !!p && p !== clip.ffmpeg_pid);
    expect(ffmpegs.length).toBeGreaterThanOrEqual(2);
    await server.close();
    await host.stop();
    await until(() => [...workers, ...ffmpegs].every((pid) => !pidAlive(pid)), 10_000, 'every worker and ffmpeg to end');
  });
});

describe('serve mode as its own process', () => {
  it('SIGTERM leaves no worker and no ffmpeg', async () => {
    const { startServe } = await import('../serve/helpers');
    const serve = await startServe({ cameras: [{ name: 'Clip', source: { kind: 'file', path: clips.faceMp4, loop: true }, maxFps: 5 }] });
    try {
      let clip: StatsResponse['cameras'][number] | undefined;
      const deadline = Date.now() + 60_000;
      while (!(clip?.state === 'running' && clip.ffmpeg_pid)) {
        if (Date.now() > deadline) throw new Error(`not running: ${JSON.stringify(clip)}\n${serve.stderr()}`);
        await sleep(500);
        const res = await fetch(`${serve.base}/api/stats`, { headers: { authorization: `Bearer ${serve.token}` } });
        clip = ((await res.json()) as StatsResponse).cameras[0];
      }
      const pids = [clip.pid!, clip.ffmpeg_pid!];
      expect(pids.every(pidAlive)).toBe(true);
      expect(await serve.terminate()).toBe(0);
      await until(() => pids.every((pid) => !pidAlive(pid)), 10_000, 'worker and ffmpeg to end with serve mode');
    } finally {
      serve.kill();
      rmSync(path.dirname(serve.configFile), { recursive: true, force: true });
    }
  });
});
