/**
 * Serve mode end to end: a real child of serve mode's build (`node out/serve/cli.js`), real HTTP and WebSocket
 * clients, real camera workers running BlazeFace on a real picture.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, toModelFrame } from '../../src/node/images';
import type { ApiEvent } from '../../src/shared/contracts/engine-api';
import type { AppConfig } from '../../src/shared/contracts/config';
import type { CameraStatus, EngineSnapshot } from '../../src/shared/contracts/engine-api';
import { encodeFrame } from '../../src/shared/contracts/frames';
import { MAX_WS_MESSAGE_BYTES, WsServerMessage } from '../../src/shared/contracts/ws';
import type { StatsResponse } from '../../src/serve/metrics';
import { WebSocket } from 'ws';
import { pidAlive, rawRequest, ROOT, startServe, TestClient, type ServeProcess } from './helpers';
import { untilValue } from '../support/process';
import { onPath } from '../support/system-tools';

const PROMTOOL = onPath('promtool');

let serve: ServeProcess;
const clients: TestClient[] = [];

async function open(headers: Record<string, string> = {}): Promise<TestClient> {
  const client = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`, headers);
  clients.push(client);
  return client;
}

function get(pathname: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${serve.base}${pathname}`, { headers });
}

const bearer = () => ({ Authorization: `Bearer ${serve.token}` });

async function stats(): Promise<StatsResponse> {
  const res = await get('/api/stats', bearer());
  expect(res.status).toBe(200);
  return (await res.json()) as StatsResponse;
}

/**
 * Adds an external camera and sends it the astronaut three times under the client's own frame
 * ids; returns the camera's id, the picture and every answer (each test makes its own camera, so
 * no test depends on another's).
 */
async function pushAstronaut(client: TestClient, name: string) {
  const added = await client.request({ method: 'addCamera', camera: { name, source: { kind: 'external' } } });
  expect(added.ok).toBe(true);
  const id = (added as { value: { id: string } }).value.id;
  // Frames go straight to the worker: one sent before it is running is answered 'not-ready'.
  await untilValue(`camera ${name} running`, async () => (await stats()).cameras.find((c) => c.id === id)?.state === 'running', 60_000, 100);
  const image = decodeImage(path.join(ROOT, 'test', 'fixtures', 'astronaut.png'));
  const frame = toModelFrame(image, 128, 128);
  const clientFrameIds = [5000, 5001, 5002];
  for (const frameId of clientFrameIds) {
    const bytes = encodeFrame({ type: 'frame', cameraId: id, frameId, ...frame, data: new Uint8Array(frame.data), acceptedAt: Date.now() });
    client.socket.send(bytes);
  }
  // Every frame is answered, under the id the client gave it: a result, or a drop if a newer
  // frame replaced it. The newest one always runs.
  const answers = await Promise.all(
    clientFrameIds.map((frameId) => client.waitFor((m) => m.kind === 'frame' && m.message.cameraId === id && m.message.frameId === frameId, `answer to frame ${frameId}`)),
  );
  return { id, image, frame, answers };
}

beforeAll(async () => {
  serve = await startServe({ cameras: [{ name: 'Front', source: { kind: 'webcam', label: 'fake_device_0' } }] });
}, 30_000);

afterAll(async () => {
  for (const c of clients) c.socket.terminate();
  serve?.kill();
});

describe('serve mode over HTTP', () => {
  it('prints exactly one URL line with a token', () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{16,}$/);
    expect(serve.port).toBeGreaterThan(0);
  });

  it('answers 401 without the token or with a wrong one, 200 with it', async () => {
    expect((await get('/api/stats')).status).toBe(401);
    expect((await get('/api/stats', { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get(`/api/stats?token=${serve.token}x`)).status).toBe(401);
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/api/stats', bearer())).status).toBe(200);
    expect((await get(`/api/stats?token=${serve.token}`)).status).toBe(200);
  });

  it('serves the page and its assets without the token and sets no cookie (a cookie would reach every port of 127.0.0.1)', async () => {
    // serve mode builds the renderer before it prints its URL when it is missing: no 503 here.
    const res = await get(`/?token=${serve.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain(`connect-src 'self' ws://127.0.0.1:${serve.port}`);
    // A reload after the page took ?token= out of its address: the same page, no token.
    const bare = await get('/');
    expect(bare.status).toBe(200);
    const html = await bare.text();
    expect(html).not.toContain(serve.token);
    const asset = /(?:src|href)="\.?\/?(assets\/[^"]+)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const loaded = await get(`/${asset}`);
    expect(loaded.status).toBe(200);
    expect(loaded.headers.get('set-cookie')).toBeNull();
    expect(loaded.headers.get('x-content-type-options')).toBe('nosniff');
    // Everything else still wants the token, and a cookie carries none.
    expect((await get('/api/stats', { Cookie: `multicam_token_${serve.port}=${serve.token}` })).status).toBe(401);
    expect((await get('/api/events', { Cookie: `multicam_token_${serve.port}=${serve.token}` })).status).toBe(401);
  });

  it('takes the token as a WebSocket subprotocol and echoes only the plain one', async () => {
    const offered = ['multicam', `multicam-token.${serve.token}`];
    const client = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${serve.wsBase}/ws`, offered);
      socket.once('open', () => resolve(socket));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
    expect(client.protocol).toBe('multicam');
    client.terminate();
    const wrong = new WebSocket(`${serve.wsBase}/ws`, ['multicam', `multicam-token.${serve.token}x`]);
    const status = await new Promise<number>((resolve) => wrong.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('opens a media file by its signed link only: one file, with the token it was made under', async () => {
    const png = readFileSync(path.join(ROOT, 'test', 'fixtures', 'astronaut.png'));
    const put = await fetch(`${serve.base}/api/media`, { method: 'PUT', headers: { ...bearer(), 'Content-Type': 'image/png' }, body: png });
    expect(put.status).toBe(201);
    const name = ((await put.json()) as { ref: string }).ref.slice('media:'.length);
    expect((await get(`/api/media-link/${name}`)).status).toBe(401);
    const link = (await (await get(`/api/media-link/${name}`, bearer())).json()) as { url: string };
    expect(link.url).toMatch(new RegExp(`^media/${name}\\?sig=[A-Za-z0-9_-]+$`));
    expect(link.url).not.toContain(serve.token);
    const file = await get(`/${link.url}`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(png)).toBe(true);
    const sig = new URL(link.url, 'http://x/').searchParams.get('sig')!;
    expect((await get(`/media/${name}`)).status).toBe(401);
    expect((await get(`/media/${name}?sig=${sig}x`)).status).toBe(401);
    // The signature opens that file only, nowhere else.
    expect((await get(`/media/${'0'.repeat(64)}.png?sig=${sig}`)).status).toBe(401);
    expect((await get(`/api/stats?sig=${sig}`)).status).toBe(401);
    expect((await get(`/api/media-link/${'0'.repeat(64)}.png`, bearer())).status).toBe(404);
  });

  it('never serves a file outside the renderer folder, whatever the raw path says', async () => {
    // fetch would normalise ../ away before sending: these go out byte for byte.
    for (const target of ['/../../package.json', '/assets/../../../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/.%2e/.%2e/package.json']) {
      const res = await rawRequest(serve.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nAuthorization: Bearer ${serve.token}\r\nConnection: close\r\n\r\n`);
      expect(res.body, target).not.toContain('"multicam-recognition"');
      expect([200, 400, 403, 404], target).toContain(res.status);
    }
  });

  it('GET /api/stats lists each camera with its counters', async () => {
    // Front is the configured camera; other tests may have added theirs.
    const body = await stats();
    const cam = body.cameras.find((c) => c.name === 'Front')!;
    expect(cam).toBeDefined();
    for (const key of ['id', 'name', 'state', 'pid', 'threads', 'restarts', 'ips', 'p50_ms', 'p95_ms', 'skipped', 'delegate', 'framesInferred', 'rss', 'cpu']) {
      expect(cam).toHaveProperty(key);
    }
    expect(typeof cam.ips).toBe('number');
    expect(typeof cam.p95_ms).toBe('number');
    // The id the supervisor gave the camera was saved into the config file.
    const saved = JSON.parse(readFileSync(serve.configFile, 'utf8')) as AppConfig;
    expect(saved.cameras.find((c) => c.name === 'Front')?.id).toBe(cam.id);
  });

  it('GET /metrics is Prometheus text with camera labels', async () => {
    const res = await get('/metrics', bearer());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const { cameras } = await stats();
    const id = cameras.find((c) => c.name === 'Front')!.id;
    expect(text).toMatch(/^# HELP multicam_camera_inferences_per_second .+$/m);
    expect(text).toMatch(/^# TYPE multicam_camera_inferences_per_second gauge$/m);
    expect(text).toMatch(/^# TYPE multicam_camera_frames_inferred_total counter$/m);
    expect(text).toMatch(/^# TYPE multicam_camera_inference_duration_seconds histogram$/m);
    expect(text).toMatch(new RegExp(`^multicam_camera_inferences_per_second\\{camera_id="${id}",camera_name="Front"\\} [0-9.e+-]+$`, 'm'));
    // Every sample line is `name{labels} number` or `name number`.
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('#')) expect(line).toMatch(/^# (HELP|TYPE) [a-z0-9_]+ .+$/);
      else if (line !== '') expect(line).toMatch(/^[a-z0-9_]+(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/);
    }
  });
});

describe('serve mode over WebSocket', () => {
  it('refuses an upgrade without the token or with a wrong one', async () => {
    await expect(TestClient.open(`${serve.wsBase}/ws`)).rejects.toMatchObject({ statusCode: 401 });
    await expect(TestClient.open(`${serve.wsBase}/ws?token=nope`)).rejects.toMatchObject({ statusCode: 401 });
  });

  it('refuses a foreign Origin with 403, and nothing it sent is applied', async () => {
    const before = (await stats()).cameras.length;
    await expect(TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`, { Origin: 'http://evil.example' })).rejects.toMatchObject({ statusCode: 403 });
    await expect(TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`, { Origin: `http://127.0.0.1:${serve.port + 1}` })).rejects.toMatchObject({
      statusCode: 403,
    });
    expect((await stats()).cameras.length).toBe(before);
    // The server's own origin is accepted.
    const own = await open({ Origin: serve.base });
    await own.close();
  });

  it('sends config, snapshot and the capture assignment on connect, and moves cameras when a page leaves', async () => {
    // No page of another test is still connected, so the one opened here is the oldest page.
    await untilValue('no other page connected', async () => (await stats()).server?.clients === 0, 30_000, 100);
    const first = await open();
    const config = (await first.waitFor((m) => m.kind === 'event' && m.event.type === 'config', 'config')) as Extract<WsServerMessage, { kind: 'event' }>;
    const webcamId = (config.event as { config: AppConfig }).config.cameras.find((c) => c.name === 'Front')!.id!;
    await first.waitFor((m) => m.kind === 'event' && m.event.type === 'snapshot', 'snapshot');
    const firstAssignment = await first.waitFor((m) => m.kind === 'event' && m.event.type === 'capture-assignment', 'assignment');
    // The oldest page captures the webcam.
    expect(firstAssignment).toMatchObject({ event: { cameraIds: [webcamId] } });

    const second = await open();
    const secondAssignment = await second.waitFor((m) => m.kind === 'event' && m.event.type === 'capture-assignment', 'assignment');
    expect(secondAssignment).toMatchObject({ event: { cameraIds: [] } });

    const moved = second.waitForNext((m) => m.kind === 'event' && m.event.type === 'capture-assignment', 'reassignment');
    await first.close();
    expect(await moved).toMatchObject({ event: { cameraIds: [webcamId] } });
    await second.close();
  });

  it('answers invalid messages with errors and goes on', async () => {
    const client = await open();
    client.socket.send('this is not json');
    client.socket.send(JSON.stringify({ kind: 'request', id: 7, request: { method: 'formatDisk' } }));
    // An id beyond the safe integers cannot be answered within the protocol: counted, not answered.
    client.socket.send(`{"kind":"request","id":${2 ** 53},"request":{"method":"formatDisk"}}`);
    client.socket.send(Buffer.from([0, 0, 0, 9, 1, 2]));
    client.socket.send(Buffer.from([0, 0, 0, 2, 0x7b, 0x7d, 1, 2, 3]));
    const bad = await client.waitFor((m) => m.kind === 'response' && m.id === 7, 'error response');
    expect(bad).toMatchObject({ response: { ok: false } });
    expect(await client.request({ method: 'addCamera', camera: { name: '', source: { kind: 'laser' } } })).toMatchObject({ ok: false });
    const models = await client.request({ method: 'listModels' });
    expect(models.ok).toBe(true);
    // Every message the server sends passes its own schema.
    for (const m of client.messages) expect(WsServerMessage.safeParse(m).success).toBe(true);
    // Counted: the four bad messages and the bad request.
    expect((await stats()).server?.invalidMessages).toBeGreaterThanOrEqual(5);
    expect(await (await get('/metrics', bearer())).text()).toMatch(/^multicam_ws_invalid_messages_total [1-9]\d*$/m);
    await client.close();
  });

  it('adds an external camera, runs pushed frames and returns faces under the client frame ids', async () => {
    const client = await open();
    const { id, image, frame, answers } = await pushAstronaut(client, 'Pushed');
    const saved = JSON.parse(readFileSync(serve.configFile, 'utf8')) as AppConfig;
    expect(saved.cameras.map((c) => c.id)).toContain(id);
    const last = answers.at(-1)!;
    expect(last.kind).toBe('frame');
    const result = (last as Extract<WsServerMessage, { kind: 'frame' }>).message;
    expect(result.type).toBe('result');
    if (result.type !== 'result') return;
    expect(result.cameraId).toBe(id);
    expect(result.detections.length).toBeGreaterThanOrEqual(1);
    const face = result.detections[0];
    expect(face.score).toBeGreaterThan(0.5);
    expect(face.box.w).toBeGreaterThan(0.05);
    expect(result.sourceWidth).toBe(image.width);

    // A frame for a camera that does not exist is answered as rejected.
    client.socket.send(encodeFrame({ type: 'frame', cameraId: 'nobody', frameId: 1, ...frame, data: new Uint8Array(frame.data), acceptedAt: Date.now() }));
    const rejected = await client.waitFor((m) => m.kind === 'frame' && m.message.cameraId === 'nobody', 'rejection');
    expect(rejected).toMatchObject({ message: { type: 'frame-dropped', reason: 'rejected' } });

    // The worker reports its counters with its heartbeat: wait for the next one.
    const inferred = await untilValue('the inference counted', async () => {
      const n = (await stats()).cameras.find((c) => c.id === id)?.framesInferred ?? 0;
      return n > 0 && n;
    }, 30_000, 100);
    expect(inferred).toBeGreaterThanOrEqual(1);
    await client.close();
  }, 90_000);

  // Debian's `prometheus` package has promtool; .ci/run installs it. Without it the lint is skipped, and the name says so.
  it.skipIf(!PROMTOOL)(`GET /metrics passes \`promtool check metrics\` (Prometheus naming and units)${PROMTOOL ? '' : ': skipped, promtool is not installed (apt-get install prometheus)'}`, async () => {
    // Frames of its own fill the latency histograms.
    const client = await open();
    const { id } = await pushAstronaut(client, 'Metered');
    await client.close();
    const counted = new RegExp(`^multicam_camera_inference_duration_seconds_count\\{camera_id="${id}"\\} [1-9]\\d*$`, 'm');
    const text = await untilValue('the histograms filled', async () => {
      const body = await (await get('/metrics', bearer())).text();
      return counted.test(body) && body;
    }, 30_000, 100);
    const check = spawnSync(PROMTOOL!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  }, 90_000);

  it('closes only the socket that sends an oversize message', async () => {
    const bystander = await open();
    const offender = await open();
    offender.socket.send(Buffer.alloc(MAX_WS_MESSAGE_BYTES + 1));
    expect(await offender.closed).toBe(1009);
    const snapshot = await bystander.request({ method: 'getSnapshot' });
    expect(snapshot.ok).toBe(true);
    expect((await get('/api/stats', bearer())).status).toBe(200);
    const late = await open();
    expect((await late.request({ method: 'getConfig' })).ok).toBe(true);
    await late.close();
    await bystander.close();
  });

  it('removes a camera through the API and from the config file', async () => {
    const client = await open();
    const added = (await client.request({ method: 'addCamera', camera: { id: 'to-remove', name: 'Gone soon', source: { kind: 'external' } } })) as {
      ok: true;
      value: { id: string };
    };
    expect(added.value.id).toBe('to-remove');
    expect(await client.request({ method: 'updateCamera', id: 'to-remove', patch: { name: 'Renamed' } })).toMatchObject({ ok: true, value: { updated: true } });
    expect((JSON.parse(readFileSync(serve.configFile, 'utf8')) as AppConfig).cameras.find((c) => c.id === 'to-remove')?.name).toBe('Renamed');
    expect(await client.request({ method: 'removeCamera', id: 'to-remove' })).toMatchObject({ ok: true, value: { removed: true } });
    expect((JSON.parse(readFileSync(serve.configFile, 'utf8')) as AppConfig).cameras.some((c) => c.id === 'to-remove')).toBe(false);
    // Every change is announced to the pages as a config event.
    const configEvents = client.events('config') as Array<Extract<ApiEvent, { type: 'config' }>>;
    expect(configEvents.some((e) => e.config.cameras.some((c) => c.name === 'Renamed'))).toBe(true);
    expect(await client.request({ method: 'setSettings', settings: { maxInFlight: 2 } })).toMatchObject({ ok: true, value: { maxInFlight: 2 } });
    expect((JSON.parse(readFileSync(serve.configFile, 'utf8')) as AppConfig).settings.maxInFlight).toBe(2);
    const snap = (await client.request({ method: 'getSnapshot' })) as { ok: true; value: EngineSnapshot };
    expect(snap.value.cameras.some((c: CameraStatus) => c.id === 'to-remove')).toBe(false);
    await client.close();
  }, 30_000);
});

describe('serve mode shutdown', () => {
  it('SIGTERM stops every worker and exits 0', async () => {
    // An instance of its own, so that the tests above keep theirs whatever order they run in.
    const own = await startServe({ cameras: [{ name: 'A', source: { kind: 'external' } }, { name: 'B', source: { kind: 'external' } }] });
    try {
      // Wait until each camera has a worker process to look for.
      const pids = await untilValue('a worker for each camera', async () => {
        const res = await fetch(`${own.base}/api/stats`, { headers: { Authorization: `Bearer ${own.token}` } });
        const body = (await res.json()) as StatsResponse;
        const found = body.cameras.map((c) => c.pid).filter((p): p is number => typeof p === 'number' && p > 0);
        return found.length === 2 && found;
      }, 60_000, 100);
      for (const pid of pids) expect(pidAlive(pid)).toBe(true);
      const code = await own.terminate();
      expect(code).toBe(0);
      for (const pid of pids) expect(pidAlive(pid)).toBe(false);
    } finally {
      own.kill();
    }
  }, 90_000);
});
