/**
 * Page-captured snapshots, end to end with real processes, the real worker and the real model:
 *  - serve mode: a page-like WebSocket client captures a webcam camera, sends it frames of the face
 *    fixture through the page's frame path and answers each snapshot request with a JPEG of the
 *    picture at its own size (512x512): the stored event's snapshot is that picture with the box
 *    drawn. A JPEG that does not decode gets a clear error and the event keeps its small snapshot;
 *    a picture from a page that does not capture the camera is refused by main.
 *  - the desktop path: the worker, given a MessagePort as in the app, asks on the port and takes
 *    the page's picture from it.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, toModelFrame } from '../../src/node/images';
import { resolveModel, xnnpackPluginPath } from '../../src/engine/paths';
import { DEFAULT_EVENT_FILTERS, TrackMessage, type EventChange, type EventPage } from '../../src/shared/contracts/events';
import { encodeFrame, encodeTrackSnapshot, type SnapshotRequestMessage } from '../../src/shared/contracts/frames';
import { WorkerOutbound } from '../../src/shared/contracts/worker';
import { ROOT, startServe, TestClient, type ServeProcess } from '../serve/helpers';
import { peakRss, sleep, until, untilValue } from '../support/process';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { tempDir } from './helpers';
import { LEVEL } from '../support/log-capture';

const astronaut = decodeImage(path.join(ROOT, 'test', 'fixtures', 'astronaut.png'));
const face = toModelFrame(astronaut, 128, 128);
const noFace = toModelFrame(decodeImage(path.join(ROOT, 'test', 'fixtures', 'rocket.jpg')), 128, 128);
/** What a page sends: the picture at its own size (512x512), as a JPEG. */
const fullJpeg = new Uint8Array(jpeg.encode({ data: Buffer.from(astronaut.rgba), width: astronaut.width, height: astronaut.height }, 85).data);
/** Starts like a JPEG, decodes as nothing. */
const badJpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff)]);

const decode = (bytes: Uint8Array) => jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
/** The snapshot's pixel just inside the box's top-left corner, where the box is drawn. */
function boxCorner(picture: ReturnType<typeof decode>, box: { x: number; y: number }): number[] {
  const at = ((Math.ceil(box.y * picture.height) + 1) * picture.width + Math.ceil(box.x * picture.width) + 1) * 4;
  return [picture.data[at], picture.data[at + 1], picture.data[at + 2]];
}

describe('serve mode: a page answers snapshot requests', () => {
  let serve: ServeProcess;
  let page: TestClient;
  const data = tempDir('multicam-page-snapshots-');
  let answer: Uint8Array = fullJpeg;
  const requests: SnapshotRequestMessage[] = [];

  beforeAll(async () => {
    serve = await startServe({ cameras: [{ id: 'desk', name: 'Desk', source: { kind: 'webcam' } }] }, ['--data', data.dir]);
    page = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    // The page's side: each request is answered with a picture, as the capture worker does.
    page.socket.on('message', (raw, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(raw.toString()) as { kind: string; message: SnapshotRequestMessage };
      if (message.kind !== 'snapshot-request') return;
      requests.push(message.message);
      page.socket.send(encodeTrackSnapshot({ type: 'track-snapshot', cameraId: 'desk', trackId: message.message.trackId, jpeg: answer }));
    });
    await page.waitFor((m) => m.kind === 'event' && m.event.type === 'capture-assignment' && m.event.cameraIds.includes('desk'), 'the capture assignment');
    await until(() => page.events('snapshot').some((e) => e.type === 'snapshot' && e.snapshot.cameras.some((c) => c.id === 'desk' && c.state === 'running')), 60_000, 'the camera to run');
  }, 90_000);

  afterAll(async () => {
    page?.socket.close();
    if (serve && serve.child.exitCode === null) serve.kill();
    data.remove();
  });

  const api = (p: string) => fetch(`${serve.base}${p}`, { headers: { Authorization: `Bearer ${serve.token}` } });
  const ends = (): EventChange[] => page.events('event').flatMap((e) => (e.type === 'event' && e.change.type === 'end' ? [e.change] : []));

  let frameId = 1;
  async function appearance(): Promise<EventChange> {
    const before = ends().length;
    for (const [frame, ms] of [[face, 1500], [noFace, 3000]] as const) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        page.socket.send(encodeFrame({ type: 'frame', cameraId: 'desk', frameId: frameId++, ...frame, data: new Uint8Array(frame.data), acceptedAt: Date.now() }));
        await sleep(40);
      }
    }
    await until(() => ends().length > before, 15_000, 'the event to end');
    return ends()[before];
  }

  async function image(id: string, kind: 'snapshot' | 'crop') {
    const res = await api(`/api/events/${id}/${kind}.jpg`);
    expect(res.status).toBe(200);
    return decode(new Uint8Array(await res.arrayBuffer()));
  }

  it("stores the page's full-size picture with the box drawn", async () => {
    const ended = await appearance();
    expect(requests.length).toBeGreaterThan(0);
    expect(requests[0]).toMatchObject({ type: 'snapshot-request', cameraId: 'desk' });
    const snapshot = await image(ended.event.id, 'snapshot');
    expect([snapshot.width, snapshot.height]).toEqual([512, 512]);
    const [r, g, b] = boxCorner(snapshot, ended.event.box);
    expect(g).toBeGreaterThan(180);
    expect(r).toBeLessThan(80);
    expect(b).toBeLessThan(160);
    // The crop is cut from the same picture: about 1.5 box widths of 512 pixels.
    const crop = await image(ended.event.id, 'crop');
    expect(crop.width).toBeGreaterThan(ended.event.box.w * 512 * 1.2);
  }, 120_000);

  it('a JPEG that does not decode gets a clear error; the event keeps its small snapshot', async () => {
    answer = badJpeg;
    const asked = requests.length;
    const ended = await appearance();
    expect(requests.length).toBeGreaterThan(asked);
    // The worker's error is logged as a record of its camera, with its worker's pid.
    const said = await untilValue('the error in the log', () => serve.records().find((r) => r.camera === 'desk' && /is not a JPEG that decodes/.test(r.msg)), 10_000);
    expect(said.pid).toBeGreaterThan(0);
    expect(said.msg).toMatch(/keeps its small snapshot/);
    const snapshot = await image(ended.event.id, 'snapshot');
    expect([snapshot.width, snapshot.height]).toEqual([128, 128]);
    const listed = (await (await api('/api/events?camera=desk')).json()) as EventPage;
    expect(listed.events).toHaveLength(2);
    // The worker counts what became of the pictures; /api/stats shows it.
    type Counts = { requested: number; stored: number; invalid: number };
    const counts = async () => ((await (await api('/api/stats')).json()) as { cameras: Array<{ id: string; page_snapshots?: Counts }> }).cameras.find((c) => c.id === 'desk')?.page_snapshots;
    let seen = await counts();
    for (const deadline = Date.now() + 10_000; (seen?.invalid ?? 0) < 1 && Date.now() < deadline; seen = await counts()) await sleep(250);
    expect(seen!.invalid).toBeGreaterThanOrEqual(1);
    expect(seen!.stored).toBeGreaterThanOrEqual(1);
    expect(seen!.requested).toBeGreaterThanOrEqual(seen!.stored + seen!.invalid);
  }, 120_000);

  it('main refuses a picture from a page that does not capture the camera, and one nobody asked for', async () => {
    const invalid = async () => ((await (await api('/api/stats')).json()) as { server: { invalidMessages: number } }).server.invalidMessages;
    const before = await invalid();
    const other = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    try {
      other.socket.send(encodeTrackSnapshot({ type: 'track-snapshot', cameraId: 'desk', trackId: 1, jpeg: fullJpeg }));
      await untilValue('the refusal counted', async () => (await invalid()) >= before + 1, 10_000);
    } finally {
      await other.close();
    }
    page.socket.send(encodeTrackSnapshot({ type: 'track-snapshot', cameraId: 'desk', trackId: 4242, jpeg: fullJpeg }));
    await untilValue('the second refusal counted', async () => (await invalid()) >= before + 2, 10_000);
    // Each refusal is a warning saying why.
    const refusals = serve.records().filter((r) => r.level === LEVEL.warn && r.msg.includes('track snapshot rejected'));
    expect(refusals.map((r) => /does not take frames from this page|no picture of track 4242/.exec(r.msg)?.[0])).toEqual(['does not take frames from this page', 'no picture of track 4242']);
  }, 30_000);
});

describe('the desktop path: requests and pictures on the MessagePort', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  /** A real camera worker with the face model, given a MessagePort as in the app; resolves when it is ready. */
  async function startWorker() {
    const require = createRequire(path.join(ROOT, 'package.json'));
    const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
    const shim = pathToFileURL(path.join(ROOT, 'test', 'contracts', 'fixtures', 'parent-port-shim.mjs')).href;
    const worker = path.join(ROOT, 'src', 'workers', 'camera-worker.ts');
    const child = fork(worker, [], { execArgv: ['--import', tsx, '--import', shim], serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const control: WorkerOutbound[] = [];
    const onPort: WorkerOutbound[] = [];
    child.on('message', (envelope: { via: 'parent' | 'port'; m: unknown }) => (envelope.via === 'port' ? onPort : control).push(WorkerOutbound.parse(envelope.m)));
    await until(() => control.some((m) => m.type === 'hello'), 30_000, 'hello');
    const model = resolveModel('face-short');
    const config = {
      cameraId: 'cam-p',
      modelPath: model.path,
      modelName: model.name,
      threads: 1,
      delegate: 'xnnpack',
      delegatePath: xnnpackPluginPath(),
      scoreThreshold: 0.5,
      statsIntervalMs: 250,
      events: { filters: DEFAULT_EVENT_FILTERS, defaultLabel: 'face' },
    };
    child.send({ via: 'parent', m: { type: 'init', config }, withPort: true });
    await until(() => control.some((m) => m.type === 'ready'), 60_000, 'ready');
    /** Sends the face until the worker asks the page for a picture. */
    const request = async () => {
      let asked: WorkerOutbound | undefined;
      for (let frameId = 1; !asked && frameId < 200; frameId++) {
        child.send({ via: 'port', m: { ...face, type: 'frame', cameraId: 'cam-p', frameId, acceptedAt: Date.now() } });
        await sleep(40);
        asked = onPort.find((m) => m.type === 'snapshot-request');
      }
      if (asked?.type !== 'snapshot-request') throw new Error('no snapshot request on the port');
      return asked;
    };
    return { child, control, onPort, request, stderr: () => stderr };
  }

  it("asks on the port and stores the page's picture sent on it", async () => {
    const { child, control, request: ask } = await startWorker();
    const request = await ask();
    expect(request).toMatchObject({ cameraId: 'cam-p' });
    // Requests never go to the control channel: only the page that sent the frame can answer.
    expect(control.some((m) => m.type === 'snapshot-request')).toBe(false);
    child.send({ via: 'port', m: { type: 'track-snapshot', cameraId: 'cam-p', trackId: request.trackId, jpeg: fullJpeg } });
    const isTrack = (m: WorkerOutbound): m is TrackMessage => m.type === 'track';
    const withPicture = () => control.filter(isTrack).find((m) => m.kind === 'update' && m.snapshot);
    await until(() => withPicture() !== undefined, 15_000, 'the update with the picture');
    const update = withPicture()!;
    const snapshot = decode(update.snapshot!);
    expect([snapshot.width, snapshot.height]).toEqual([512, 512]);
    expect(boxCorner(snapshot, update.track.box)[1]).toBeGreaterThan(180);
    const start = control.filter(isTrack).find((m) => m.kind === 'start')!;
    expect([decode(start.snapshot!).width, decode(start.snapshot!).height]).toEqual([128, 128]);
  }, 120_000);

  it('a 6000x6000 JPEG is refused from its header, before decoding: counted, said, and the worker does not grow', async () => {
    // The probe's picture, made by ffmpeg: a real 6000x6000 JPEG, small as a file (one grey field).
    const dir = tempDir('multicam-page-snapshot-limits-');
    const file = path.join(dir.dir, 'huge.jpg');
    execFileSync(resolveFfmpeg().path, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'color=c=gray:s=6000x6000', '-frames:v', '1', '-q:v', '10', file]);
    const huge = new Uint8Array(readFileSync(file));
    dir.remove();
    expect(huge.length).toBeLessThan(3 * 1024 * 1024);

    const { child, control, request: ask, stderr } = await startWorker();
    const request = await ask();
    const before = peakRss(child.pid!);
    expect(before).toBeGreaterThan(0);
    child.send({ via: 'port', m: { type: 'track-snapshot', cameraId: 'cam-p', trackId: request.trackId, jpeg: huge } });
    const counts = await untilValue('the refusal counted', () => {
      const stats = control.filter((m) => m.type === 'stats').at(-1);
      const seen = stats?.type === 'stats' ? stats.stats.pageSnapshots : undefined;
      return seen && seen.invalid >= 1 ? seen : undefined;
    }, 30_000);
    expect(counts.stored).toBe(0);
    expect(stderr()).toMatch(/the page's snapshot for track \d+ is refused before decoding \(the picture is 6000x6000; at most 4096 pixels a side/);
    expect(control.some((m) => m.type === 'track' && m.kind === 'update' && m.snapshot !== undefined && decode(m.snapshot).width > 128)).toBe(false);
    // Decoding it would take 6000 x 6000 x 4 = 144 MB of RGBA alone, plus jpeg-js's component buffers.
    expect(peakRss(child.pid!) - before).toBeLessThan(64 * 1024 * 1024);
  }, 120_000);
});
