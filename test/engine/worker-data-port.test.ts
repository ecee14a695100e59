/**
 * The real camera worker takes a replacement frame port ('data-port'), as the desktop app hands it
 * one when the page holding its camera changes (a reload, another window): the old port is closed,
 * frames on the new one are answered on it, two ports at once are refused and counted, and no port
 * takes the worker's port away.
 *
 * MOCK: Electron's process.parentPort (test/support/mock-parent-port.ts), because Electron cannot
 * run here and Node cannot pass a MessagePort to another process. The worker process, its
 * interpreter, the model and the MessagePorts (worker_threads) are real.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModel, workerModelFields } from '../../src/engine/paths';
import { DEFAULT_MODEL } from '../../src/shared/models';
import type { WorkerConfig, WorkerStats } from '../../src/shared/contracts/worker';
import { fixtureFrames, ROOT } from '../reliability/helpers';
import { untilValue } from '../support/process';

type FromChild = { kind: 'control'; message: { type: string } } | { kind: 'port'; name: string; data: { type: string; frameId?: number } } | { kind: 'port-closed'; name: string };

const require = createRequire(import.meta.url);
const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
const mockParentPort = pathToFileURL(path.join(ROOT, 'test', 'support', 'mock-parent-port.ts')).href;

let child: ChildProcess;
const received: FromChild[] = [];

const control = (message: unknown, ports: string[] = []) => child.send({ kind: 'control', message, ports });
const onPort = (name: string, data: unknown) => child.send({ kind: 'port', name, data });
const frame = (frameId: number) => ({ type: 'frame', cameraId: 'pt', frameId, ...fixtureFrames().astronaut, acceptedAt: Date.now() });
const answerOn = (name: string, frameId: number) => () =>
  received.find((m): m is Extract<FromChild, { kind: 'port' }> => m.kind === 'port' && m.name === name && m.data.frameId === frameId);
const closed = (name: string) => () => received.some((m) => m.kind === 'port-closed' && m.name === name) || undefined;
const lastStats = () => {
  const stats = received.filter((m) => m.kind === 'control' && m.message.type === 'stats').at(-1);
  return stats?.kind === 'control' ? (stats.message as unknown as { stats: WorkerStats }).stats : undefined;
};

beforeAll(async () => {
  child = fork(path.join(ROOT, 'src', 'workers', 'camera-worker.ts'), [], {
    execArgv: ['--import', tsx, '--import', mockParentPort],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.on('message', (m) => received.push(m as FromChild));
  await untilValue('hello', () => received.find((m) => m.kind === 'control' && m.message.type === 'hello'));
  const model = resolveModel(DEFAULT_MODEL);
  const config: WorkerConfig = {
    cameraId: 'pt',
    modelPath: model.path,
    modelName: model.name,
    threads: 1,
    delegate: 'none',
    scoreThreshold: 0.5,
    statsIntervalMs: 100,
    ...workerModelFields(model),
  };
  control({ type: 'init', config }, ['a']);
  await untilValue('ready', () => received.find((m) => m.kind === 'control' && m.message.type === 'ready'));
});

afterAll(() => {
  child?.kill('SIGKILL');
});

describe("the camera worker's frame port can change hands", () => {
  it("answers on the port it got with 'init'", async () => {
    onPort('a', frame(1));
    const answer = await untilValue('the answer on port a', answerOn('a', 1));
    expect(answer).toMatchObject({ data: { type: 'result', frameId: 1 } });
  });

  it("takes a new port with 'data-port', closes the old one, and answers on the new one", async () => {
    control({ type: 'data-port' }, ['b']);
    await untilValue('port a closed', closed('a'));
    onPort('b', frame(2));
    expect(await untilValue('the answer on port b', answerOn('b', 2))).toMatchObject({ data: { type: 'result', frameId: 2 } });
  });

  it('refuses two ports at once and counts it, keeping the port it has', async () => {
    const before = (await untilValue('stats', lastStats)).messagesRejected;
    control({ type: 'data-port' }, ['c', 'd']);
    await untilValue('the refusal counted', () => ((lastStats()?.messagesRejected ?? 0) > before ? true : undefined));
    onPort('b', frame(3));
    expect(await untilValue('the answer on port b', answerOn('b', 3))).toMatchObject({ data: { type: 'result', frameId: 3 } });
    expect(received.some((m) => m.kind === 'port' && (m.name === 'c' || m.name === 'd'))).toBe(false);
  });

  it("with no port, 'data-port' takes its port away", async () => {
    control({ type: 'data-port' });
    await untilValue('port b closed', closed('b'));
    expect(child.exitCode).toBeNull();
  });
});
