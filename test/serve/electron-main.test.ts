/**
 * The desktop app's engine wiring (src/main/window-engine.ts and utility-launcher.ts)
 * without the Electron runtime, which cannot be downloaded here.
 *
 * MOCK: the `electron` module (test/support/mock-electron.ts): utilityProcess.fork is stood in for
 * by child_process.fork of the real camera worker (so the workers, the supervisor, EngineHost and
 * the config file are all real); the window's WebContents by an EventEmitter that records what main
 * sends it. What is checked is main's
 * side of the contract: ports per camera, events pushed, requests validated and trusted only from
 * the app page, and workers stopped when the page reloads and when the app quits.
 */
import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../src/shared/contracts/desktop-ipc';
import { type ApiEvent, type ApiResponse } from '../../src/shared/contracts/engine-api';
import type { AppConfig } from '../../src/shared/contracts/config';
import { WORKER_EXEC_ARGV } from '../../src/engine/launcher';
import { pidAlive, ROOT } from './helpers';
import { untilValue } from '../support/process';
import { tempDir } from '../support/tmp';
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
let engine: InstanceType<typeof WindowEngine>;
let contents: MockContents;

beforeAll(() => {
  state.userData = tempDir('multicam-electron-main-');
  writeFileSync(path.join(state.userData, 'config.json'), JSON.stringify({ cameras: [{ name: 'Desk', source: { kind: 'webcam', label: 'fake_device_0' } }] }));
  engine = new WindowEngine({ workerPath, origin: new AppOrigin(PAGE), log: () => undefined });
  contents = new MockContents();
  engine.attach(contents as never);
});

afterAll(async () => {
  await engine?.shutdown();
  for (const f of state.forks) if (f.pid && pidAlive(f.pid)) process.kill(f.pid, 'SIGKILL');
});

const request = (raw: unknown, frame: { url: string } = contents.mainFrame, sender: unknown = contents) =>
  state.handlers.get(IPC_CHANNELS.request)!({ sender, senderFrame: frame }, raw) as Promise<ApiResponse>;

describe('desktop main without Electron (MOCK electron module)', () => {
  it('starts the engine when the page has loaded: a port per camera, then events', async () => {
    expect(await request({ method: 'getConfig' })).toMatchObject({ ok: false });
    contents.emit('did-finish-load');
    const port = await untilValue('a port for the camera', () => contents.posted.find((p) => p.channel === IPC_CHANNELS.port));
    expect(port.payload).toEqual({ cameraId: 'cam-1' });
    expect(port.ports).toHaveLength(1);
    const fork = await untilValue('the worker', () => state.forks.find((f) => f.serviceName === 'camera-cam-1'));
    expect(fork.transfers).toBe(1);
    expect(fork.execArgv).toEqual(expect.arrayContaining([...WORKER_EXEC_ARGV]));
    const types = contents.events().map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['config', 'snapshot', 'capture-assignment']));
    expect(contents.events().find((e) => e.type === 'capture-assignment')).toEqual({ type: 'capture-assignment', cameraIds: ['cam-1'] });
    // The config lives in userData/config.json, and the assigned id was saved.
    expect((JSON.parse(readFileSync(path.join(state.userData, 'config.json'), 'utf8')) as AppConfig).cameras[0].id).toBe('cam-1');
  });

  it("reports a native crash from 'child-process-gone', so the supervisor knows it crashed", async () => {
    const running = () => {
      const last = contents.events().filter((e) => e.type === 'snapshot').at(-1);
      return last?.type === 'snapshot' && last.snapshot.cameras.find((c) => c.id === 'cam-1' && c.state === 'running');
    };
    const before = await untilValue('the camera running', running);
    process.kill(before.pid!, 'SIGSEGV');
    const status = await untilValue('the crash in the camera status', () => {
      const last = contents.events().filter((e) => e.type === 'snapshot').at(-1);
      const camera = last?.type === 'snapshot' ? last.snapshot.cameras.find((c) => c.id === 'cam-1') : undefined;
      return camera?.error?.includes('ended: crashed') ? camera : undefined;
    });
    expect(status.restarts).toBeGreaterThanOrEqual(1);
    const after = await untilValue('the camera running again', running);
    expect(after.pid).not.toBe(before.pid);
  }, 45_000);

  it('answers requests from the app page only, and validates them', async () => {
    expect(await request({ method: 'getConfig' })).toMatchObject({ ok: true });
    expect(await request({ method: 'dropTables' })).toMatchObject({ ok: false, error: expect.stringContaining('invalid request') });
    expect(await request({ method: 'getConfig' }, { url: 'https://evil.example/' })).toMatchObject({ ok: false, error: expect.stringContaining('refused') });
    expect(await request({ method: 'getConfig' }, { url: PAGE })).toMatchObject({ ok: false, error: expect.stringContaining('refused') });
    expect(await request({ method: 'getConfig' }, contents.mainFrame, new MockContents())).toMatchObject({ ok: false });
    const added = await request({ method: 'addCamera', camera: { id: 'ext', name: 'Pushed', source: { kind: 'external' } } });
    expect(added).toMatchObject({ ok: true, value: { id: 'ext' } });
    await untilValue('a port for the new camera', () => contents.posted.find((p) => (p.payload as { cameraId: string }).cameraId === 'ext'));
  });

  it('stops every worker when the page reloads, and starts fresh ones when it has loaded', async () => {
    const pids = await untilValue('two worker pids', () => {
      const live = state.forks.filter((f) => f.serviceName?.startsWith('camera-') && f.pid && pidAlive(f.pid));
      return live.length >= 2 ? live.map((f) => f.pid!) : undefined;
    });
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: PAGE });
    await untilValue('the workers to exit', () => pids.every((pid) => !pidAlive(pid)));
    expect(await request({ method: 'getSnapshot' })).toMatchObject({ ok: false });

    const before = state.forks.length;
    contents.emit('did-finish-load');
    await untilValue('new workers', () => state.forks.filter((f, i) => i >= before && f.serviceName?.startsWith('camera-')).length >= 2);
    const snapshot = await request({ method: 'getSnapshot' });
    expect(snapshot.ok).toBe(true);
  }, 45_000);

  it('stops every worker when the app quits', async () => {
    const live = state.forks.filter((f) => f.pid && pidAlive(f.pid)).map((f) => f.pid!);
    expect(live.length).toBeGreaterThan(0);
    await engine.shutdown();
    await untilValue('every worker to exit', () => live.every((pid) => !pidAlive(pid)));
    expect(state.handlers.has(IPC_CHANNELS.request)).toBe(false);
  }, 30_000);
});
