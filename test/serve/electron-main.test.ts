/**
 * The desktop app's engine wiring (src/main/window-engine.ts and utility-launcher.ts)
 * without the Electron runtime, which cannot be downloaded here.
 *
 * MOCK: the `electron` module (test/support/mock-electron.ts): utilityProcess.fork is stood in for
 * by child_process.fork of the real camera worker (so the workers, their ffmpeg, the supervisor,
 * EngineHost and the config file are all real); a window's WebContents by an EventEmitter that
 * records what main sends it, and its page's life by the events Electron emits (did-finish-load,
 * did-start-navigation, destroyed). What is checked is main's side of the contract: one engine
 * from start to quit, its windows' pages as clients that come and go, a port per camera for the page
 * that holds it and a new one handed to the same worker when that page changes, requests validated
 * and trusted only from an app window's page, and every worker stopped when the app quits.
 * Each test starts its own engine on its own configuration folder and stops it afterwards.
 */
import { silentLogger } from '../../src/engine/logger';
import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../src/shared/contracts/desktop-ipc';
import { type ApiEvent, type ApiResponse, type EngineSnapshot } from '../../src/shared/contracts/engine-api';
import type { AppConfig } from '../../src/shared/contracts/config';
import { WORKER_EXEC_ARGV } from '../../src/engine/launcher';
import { pidAlive, ROOT } from './helpers';
import { untilValue } from '../support/process';
import { tempDir } from '../support/tmp';
import { FACE_MJPEG } from '../support/clips';
import { mockState as state } from '../support/mock-electron';

vi.mock('electron', () => import('../support/mock-electron'));

const { WindowEngine } = await import('../../src/main/window-engine');
const { AppOrigin } = await import('../../src/main/security');

const PAGE = 'file:///app/out/renderer/index.html';

/** Stand-in for the window's WebContents: records what main sends to the page. */
class MockContents extends EventEmitter {
  readonly mainFrame = { url: PAGE };
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  readonly posted: Array<{ channel: string; payload: unknown; ports: unknown[] }> = [];
  destroyed = false;
  getURL() {
    return PAGE;
  }
  isDestroyed() {
    return this.destroyed;
  }
  send(channel: string, payload: unknown) {
    this.sent.push({ channel, payload });
  }
  postMessage(channel: string, payload: unknown, ports: unknown[]) {
    this.posted.push({ channel, payload, ports });
  }
  events(): ApiEvent[] {
    return this.sent.filter((s) => s.channel === IPC_CHANNELS.event).map((s) => s.payload as ApiEvent);
  }
}


const workerPath = path.join(ROOT, 'src', 'workers', 'camera-worker.ts');
let engine: InstanceType<typeof WindowEngine> | undefined;
let contents: MockContents;

/** A fresh engine per test: its own configuration folder with two cameras, and one window not loaded yet. */
beforeEach(() => {
  state.forks.length = 0;
  state.userData = tempDir('multicam-electron-main-');
  const cameras = [
    { name: 'Desk', source: { kind: 'webcam', label: 'fake_device_0' } },
    // Engine-side: the worker's own ffmpeg reads the face clip over and over.
    { name: 'Clip', source: { kind: 'file', path: FACE_MJPEG, loop: true } },
  ];
  writeFileSync(path.join(state.userData, 'config.json'), JSON.stringify({ cameras }));
  engine = new WindowEngine({ workerPath, origin: new AppOrigin(PAGE), log: silentLogger() });
  contents = new MockContents();
  engine.attach(contents as never);
});

afterEach(async () => {
  await engine?.shutdown();
  engine = undefined;
  for (const f of state.forks) if (f.pid && pidAlive(f.pid)) process.kill(f.pid, 'SIGKILL');
  // Chromium's late report of each end must not reach the next test's workers of the same name.
  await untilValue("every worker's end reported", () => state.forks.every((f) => f.gone));
});

const request = (raw: unknown, frame: { url: string } = contents.mainFrame, sender: unknown = contents) =>
  state.handlers.get(IPC_CHANNELS.request)!({ sender, senderFrame: frame }, raw) as Promise<ApiResponse>;

/** The engine's snapshot, asked for as the page asks (it is answered whether or not a page is connected). */
async function snapshot(from: MockContents = contents): Promise<EngineSnapshot> {
  const answer = await request({ method: 'getSnapshot' }, from.mainFrame, from);
  if (!answer.ok) throw new Error(`getSnapshot refused: ${answer.error}`);
  return answer.value as EngineSnapshot;
}

/** Every camera running, by id, with its worker's pid. */
const runningPids = async (ids: string[]): Promise<Map<string, number> | undefined> => {
  const cameras = (await snapshot()).cameras;
  const running = ids.map((id) => cameras.find((c) => c.id === id && c.state === 'running' && c.pid !== null));
  return running.every(Boolean) ? new Map(running.map((c) => [c!.id, c!.pid!])) : undefined;
};

const framesInferred = async (id: string) => (await snapshot()).cameras.find((c) => c.id === id)?.framesInferred ?? 0;
const portsFor = (page: MockContents, from = 0) => page.posted.slice(from).filter((p) => p.channel === IPC_CHANNELS.port).map((p) => (p.payload as { cameraId: string }).cameraId);
const workerFor = (id: string) => state.forks.filter((f) => f.serviceName === `camera-${id}`).at(-1);
/** The 'data-port' hand-overs main posted to a camera's current worker: with a port (1) or taking it away (0). */
const handOvers = (id: string) => (workerFor(id)?.posted ?? []).filter((m) => m.type === 'data-port').map((m) => m.ports);

/** The window's page loads and gets a port for each configured camera. */
async function loadPage(): Promise<void> {
  contents.emit('did-finish-load');
  await untilValue('a port for each camera', () => ['cam-1', 'cam-2'].every((id) => portsFor(contents).includes(id)));
}

/** Adds a camera whose frames code pushes, as the page asks; the loaded page gets its port. */
async function addExternal(): Promise<void> {
  expect(await request({ method: 'addCamera', camera: { id: 'ext', name: 'Pushed', source: { kind: 'external' } } })).toMatchObject({ ok: true, value: { id: 'ext' } });
  await untilValue('a port for the new camera', () => portsFor(contents).includes('ext'));
}

describe('desktop main without Electron (MOCK electron module)', () => {
  it('runs the engine from the start; the page connects once it has loaded and gets a port per camera', async () => {
    // No page yet: the engine answers and its workers run.
    expect(await request({ method: 'getConfig' })).toMatchObject({ ok: true });
    await untilValue('both workers', () => workerFor('cam-1') && workerFor('cam-2'));
    expect(portsFor(contents)).toEqual([]);
    expect(contents.events()).toEqual([]);

    contents.emit('did-finish-load');
    await untilValue('a port for each camera', () => ['cam-1', 'cam-2'].every((id) => portsFor(contents).includes(id)));
    expect(contents.posted.every((p) => p.ports.length === 1)).toBe(true);
    // The workers were started before the page came: their ends were handed over afterwards.
    for (const id of ['cam-1', 'cam-2']) expect(handOvers(id)).toEqual([1]);
    const fork = workerFor('cam-1')!;
    expect(fork.execArgv).toEqual(expect.arrayContaining([...WORKER_EXEC_ARGV]));
    const types = contents.events().map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['config', 'snapshot', 'capture-assignment']));
    expect(contents.events().find((e) => e.type === 'capture-assignment')).toEqual({ type: 'capture-assignment', cameraIds: ['cam-1'] });
    // The config lives in userData/config.json, and the assigned ids were saved.
    expect((JSON.parse(readFileSync(path.join(state.userData, 'config.json'), 'utf8')) as AppConfig).cameras.map((c) => c.id)).toEqual(['cam-1', 'cam-2']);
  });

  it("reports a native crash from 'child-process-gone', so the supervisor knows it crashed; the new worker gets its port with 'init'", async () => {
    await loadPage();
    const running = () => {
      const last = contents.events().filter((e) => e.type === 'snapshot').at(-1);
      return last?.type === 'snapshot' && last.snapshot.cameras.find((c) => c.id === 'cam-1' && c.state === 'running');
    };
    const before = await untilValue('the camera running', running);
    const ports = contents.posted.length;
    process.kill(before.pid!, 'SIGSEGV');
    const status = await untilValue('the crash in the camera status', () => {
      const last = contents.events().filter((e) => e.type === 'snapshot').at(-1);
      const camera = last?.type === 'snapshot' ? last.snapshot.cameras.find((c) => c.id === 'cam-1') : undefined;
      return camera?.error?.includes('ended: crashed') ? camera : undefined;
    });
    expect(status.restarts).toBeGreaterThanOrEqual(1);
    const after = await untilValue('the camera running again', running);
    expect(after.pid).not.toBe(before.pid);
    expect(portsFor(contents, ports)).toContain('cam-1');
    expect(workerFor('cam-1')!.posted.find((m) => m.type === 'init')).toEqual({ type: 'init', ports: 1 });
  }, 180_000);

  it('answers requests from an app window\'s page only, and validates them', async () => {
    await loadPage();
    expect(await request({ method: 'getConfig' })).toMatchObject({ ok: true });
    expect(await request({ method: 'dropTables' })).toMatchObject({ ok: false, error: expect.stringContaining('invalid request') });
    expect(await request({ method: 'getConfig' }, { url: 'https://evil.example/' })).toMatchObject({ ok: false, error: expect.stringContaining('refused') });
    expect(await request({ method: 'getConfig' }, { url: PAGE })).toMatchObject({ ok: false, error: expect.stringContaining('refused') });
    expect(await request({ method: 'getConfig' }, contents.mainFrame, new MockContents())).toMatchObject({ ok: false });
    await addExternal();
  });

  it('keeps every worker across a reload: the same pids, the engine-side camera goes on, the new page gets new ports', async () => {
    await loadPage();
    await addExternal();
    const ids = ['cam-1', 'cam-2', 'ext'];
    const pids = await untilValue('every camera running', () => runningPids(ids));
    const forks = state.forks.length;
    const handed = new Map(ids.map((id) => [id, handOvers(id).length]));

    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: PAGE });
    // The page is gone: each worker's port is taken away, the engine answers, the clip camera infers on.
    await untilValue('the ports taken from the workers', () => ids.every((id) => handOvers(id).slice(handed.get(id)).includes(0)));
    const inferred = await framesInferred('cam-2');
    await untilValue('the engine-side camera inferring without a page', async () => (await framesInferred('cam-2')) > inferred);

    const sent = contents.posted.length;
    const events = contents.events().length;
    contents.emit('did-finish-load');
    await untilValue('a new port for each camera', () => ids.every((id) => portsFor(contents, sent).includes(id)));
    await untilValue('the capture assignment again', () => contents.events().slice(events).find((e) => e.type === 'capture-assignment'));
    expect(contents.events().slice(events).filter((e) => e.type === 'capture-assignment')).toEqual([{ type: 'capture-assignment', cameraIds: ['cam-1'] }]);
    for (const id of ids) expect(handOvers(id).slice(handed.get(id))).toEqual([0, 1]);

    // The same workers, every one alive, none started.
    expect(await runningPids(ids)).toEqual(pids);
    for (const pid of pids.values()) expect(pidAlive(pid)).toBe(true);
    expect(state.forks.length).toBe(forks);
    const after = await framesInferred('cam-2');
    await untilValue('the engine-side camera inferring with the new page', async () => (await framesInferred('cam-2')) > after);
  }, 180_000);

  it('a second window connects as another client; when the first closes, its cameras move to the second with the same workers', async () => {
    await loadPage();
    await addExternal();
    const ids = ['cam-1', 'cam-2', 'ext'];
    const pids = await untilValue('every camera running', () => runningPids(ids));
    const second = new MockContents();
    engine!.attach(second as never);
    // Its page may ask before it has loaded: the engine is up.
    expect(await request({ method: 'getConfig' }, second.mainFrame, second)).toMatchObject({ ok: true });
    second.emit('did-finish-load');
    await untilValue("the second page's first events", () => second.events().find((e) => e.type === 'capture-assignment'));
    expect(second.events().map((e) => e.type)).toEqual(expect.arrayContaining(['config', 'snapshot']));
    // The first window keeps what it holds: the webcam it captures, and the other cameras' live view.
    expect(second.events().find((e) => e.type === 'capture-assignment')).toEqual({ type: 'capture-assignment', cameraIds: [] });
    expect(portsFor(second)).toEqual([]);

    contents.destroyed = true;
    contents.emit('destroyed');
    await untilValue('the webcam assigned to the second window', () =>
      second.events().find((e) => e.type === 'capture-assignment' && e.cameraIds.includes('cam-1')),
    );
    await untilValue('every port with the second window', () => ids.every((id) => portsFor(second).includes(id)));
    expect(await request({ method: 'getConfig' })).toMatchObject({ ok: false, error: expect.stringContaining('refused') });
    // From here the second window asks (snapshot() asks as `contents`).
    contents = second;
    expect(await runningPids(ids)).toEqual(pids);
  }, 180_000);

  it('stops every worker when the app quits', async () => {
    await loadPage();
    const live = await untilValue('both workers', () => {
      const pids = ['cam-1', 'cam-2'].map((id) => workerFor(id)?.pid);
      return pids.every((pid) => pid !== undefined && pidAlive(pid)) ? (pids as number[]) : undefined;
    });
    await engine!.shutdown();
    await untilValue('every worker to exit', () => live.every((pid) => !pidAlive(pid)));
    expect(state.handlers.has(IPC_CHANNELS.request)).toBe(false);
    // A page that loads while the app quits connects to nothing.
    const events = contents.events().length;
    contents.emit('did-finish-load');
    expect(contents.events().length).toBe(events);
  }, 180_000);
});
