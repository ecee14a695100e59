/**
 * One contract suite for the ways a camera worker is started and fed:
 *  - both launchers (NodeLauncher; UtilityProcessLauncher over the mock `electron` module, whose
 *    utilityProcess.fork is a real child process): hello, init -> ready, a frame in its binary
 *    form -> its result under the sender's frame id, SIGKILL -> one exit, then postMessage is false;
 *  - the worker's MessagePort branch (the desktop path): the real worker, given an Electron-like
 *    process.parentPort and a real MessageChannel by a preload shim, answers frames on the port.
 * Real processes, the real model and interpreter.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NodeLauncher } from '../../src/engine/node-launcher';
import type { WorkerLauncher, WorkerProcess } from '../../src/engine/launcher';
import { resolveModel, xnnpackPluginPath } from '../../src/engine/paths';
import { encodeFrame, type FrameMessage } from '../../src/shared/contracts/frames';
import { WorkerOutbound, type WorkerConfig } from '../../src/shared/contracts/worker';
import { fixtureFrame } from '../engine/helpers';
import { ROOT } from '../serve/helpers';
import { untilValue } from '../support/process';

vi.mock('electron', () => import('../support/mock-electron'));
const { UtilityProcessLauncher } = await import('../../src/main/utility-launcher');

const WORKER_SOURCE = path.join(ROOT, 'src', 'workers', 'camera-worker.ts');

function workerConfig(cameraId: string): WorkerConfig {
  const model = resolveModel('face-short');
  return { cameraId, modelPath: model.path, modelName: model.name, threads: 1, delegate: 'xnnpack', delegatePath: xnnpackPluginPath(), scoreThreshold: 0.5, statsIntervalMs: 1000 };
}

function frame(cameraId: string, frameId: number): FrameMessage {
  return { ...fixtureFrame('astronaut.png'), type: 'frame', cameraId, frameId, acceptedAt: Date.now() };
}


const launchers: Array<[string, () => WorkerLauncher]> = [
  ['NodeLauncher', () => new NodeLauncher()],
  ['UtilityProcessLauncher (mock electron)', () => new UtilityProcessLauncher(WORKER_SOURCE)],
];

let live: WorkerProcess | null = null;
let child: ChildProcess | null = null;
afterEach(() => {
  live?.kill('SIGKILL');
  child?.kill('SIGKILL');
  live = null;
  child = null;
});

describe.each(launchers)('the camera worker contract through %s', (_name, makeLauncher) => {
  it('says hello, gets ready, answers a binary frame under its own id, and ends once when killed', async () => {
    const worker = (live = makeLauncher().launch({ cameraId: 'cam-c', serviceName: 'camera-cam-c' }));
    const messages: WorkerOutbound[] = [];
    worker.on('message', (m) => messages.push(WorkerOutbound.parse(m)));
    const exits: Array<[number | null, string | null]> = [];
    worker.on('exit', (code, signal) => exits.push([code, signal]));

    const hello = await untilValue('hello', () => messages.find((m) => m.type === 'hello'));
    expect(hello).toMatchObject({ type: 'hello', pid: worker.pid });
    expect(worker.postMessage({ type: 'init', config: workerConfig('cam-c') })).toBe(true);
    const ready = await untilValue('ready', () => messages.find((m) => m.type === 'ready'));
    expect(ready).toMatchObject({ cameraId: 'cam-c', delegate: 'xnnpack', model: { inputWidth: 128, inputHeight: 128 } });

    worker.postMessage({ type: 'frame-bytes', data: encodeFrame(frame('cam-c', 4242)) });
    const result = await untilValue('the result', () => messages.find((m) => m.type === 'result'));
    expect(result).toMatchObject({ cameraId: 'cam-c', frameId: 4242 });
    if (result.type !== 'result') throw new Error('not a result');
    expect(result.detections[0].score).toBeGreaterThan(0.8);

    worker.kill('SIGKILL');
    await worker.waitForExit(30_000);
    await untilValue('the exit reported', () => exits.length > 0);
    expect(exits).toHaveLength(1);
    expect(exits[0][1]).not.toBeNull();
    expect(worker.alive).toBe(false);
    expect(worker.postMessage({ type: 'stop' })).toBe(false);
  }, 60_000);
});

describe("the camera worker's MessagePort branch (desktop path)", () => {
  it('takes frames on the port handed over with init and answers on it; control stays on parentPort', async () => {
    const require = createRequire(path.join(ROOT, 'package.json'));
    const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
    const shim = pathToFileURL(path.join(ROOT, 'test', 'contracts', 'fixtures', 'parent-port-shim.mjs')).href;
    child = fork(WORKER_SOURCE, [], { execArgv: ['--import', tsx, '--import', shim], serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    const control: WorkerOutbound[] = [];
    const onPort: WorkerOutbound[] = [];
    child.on('message', (envelope: { via: 'parent' | 'port'; m: unknown }) => (envelope.via === 'port' ? onPort : control).push(WorkerOutbound.parse(envelope.m)));

    await untilValue('hello on parentPort', () => control.find((m) => m.type === 'hello'));
    child.send({ via: 'parent', m: { type: 'init', config: workerConfig('cam-p') }, withPort: true });
    await untilValue('ready on parentPort', () => control.find((m) => m.type === 'ready'));

    // Frames as the renderer sends them on its port: structured-cloned FrameMessage objects.
    child.send({ via: 'port', m: frame('cam-p', 7) });
    const result = await untilValue('a result on the port', () => onPort.find((m) => m.type === 'result'));
    expect(result).toMatchObject({ cameraId: 'cam-p', frameId: 7 });
    // A frame for another camera is answered on the port as rejected; the worker goes on.
    child.send({ via: 'port', m: frame('someone-else', 8) });
    const dropped = await untilValue('the rejection on the port', () => onPort.find((m) => m.type === 'frame-dropped'));
    expect(dropped).toMatchObject({ frameId: 8, reason: 'rejected' });
    // Results never go to the control channel; the heartbeat does.
    await untilValue('a stats heartbeat on parentPort', () => control.find((m) => m.type === 'stats'), 5000);
    expect(control.some((m) => m.type === 'result')).toBe(false);
  }, 60_000);
});
