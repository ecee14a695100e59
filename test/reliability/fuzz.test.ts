/**
 * Bad input at every receiver: thousands of random and mutated messages, from a seeded PRNG, each
 * run bounded in time. Nothing may crash, and every rejected message is counted.
 *   (a) a real camera worker, over its control channel
 *   (b) the supervisor, fed garbage by a real process standing in for a worker
 *   (c) the shared zod schemas and the WebSocket frame decoder, in process
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { LaunchOptions, WorkerLauncher, WorkerProcess } from '../../src/engine/launcher';
import { NodeWorkerProcess } from '../../src/engine/node-launcher';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import type { TestSupervisor } from '../support/supervisor-adapter';
import { ApiRequest } from '../../src/shared/contracts/engine-api';
import { FrameMessage, parseMessage, type FrameDroppedMessage, type ResultMessage } from '../../src/shared/contracts/frames';
import { WorkerInbound, WorkerOutbound } from '../../src/shared/contracts/worker';
import { decodeFrame, encodeFrame } from '../../src/shared/contracts/frames';
import { WsClientMessage } from '../../src/shared/contracts/ws';
import { Fuzzer, ipcSendable } from './fuzz-gen';
import { createSupervisor, externalCamera, fixtureFrames, quietPeriod, ROOT, sleep, until } from './helpers';

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
/** Each fuzz run stops at whichever comes first. */
const MAX_MESSAGES = 4000;
/** Only catches a receiver that stopped taking messages at all: the runs are counts, not times. */
const NEVER_MS = 180_000;
const never = (started: number, sent: number) => {
  if (Date.now() - started > NEVER_MS) throw new Error(`only ${sent} messages went through in ${NEVER_MS} ms`);
};

let supervisor: TestSupervisor | null = null;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = null;
});

function validFrame(cameraId: string, frameId = 1): FrameMessage {
  const f = fixtureFrames().astronaut;
  return { type: 'frame', cameraId, frameId, ...f, acceptedAt: Date.now() };
}

/** One valid message of every WorkerInbound type (the mutations start from these). */
function inboundTemplates(cameraId: string): unknown[] {
  const small = { ...validFrame(cameraId), data: new Uint8Array(300) };
  return [
    { type: 'init', config: { cameraId, modelPath: '/x.tflite', modelName: 'face-short', threads: 1, delegate: 'none', scoreThreshold: 0.5, statsIntervalMs: 1000 } },
    { type: 'set-threshold', scoreThreshold: 0.5 },
    small,
    small,
    { type: 'calibrate', modelPath: '/x.tflite', modelName: 'm', delegate: 'none', threadCounts: [1, 2], durationMs: 100 },
    { type: 'data-port' },
    { type: 'stop' },
  ];
}

/** Runs the supervisor's result for one frame and waits for the answer. */
function inferOnce(sup: CameraSupervisor, id: string, which: 'astronaut' | 'rocket'): Promise<ResultMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no result from ${id}`)), 10_000);
    let frameId = -1;
    const onResult = (r: ResultMessage) => {
      if (r.cameraId !== id || r.frameId !== frameId) return;
      clearTimeout(timer);
      sup.off('result', onResult);
      resolve(r);
    };
    sup.on('result', onResult);
    frameId = sup.pushFrame(id, fixtureFrames()[which]);
  });
}

describe('fuzz: a real camera worker over its control channel', () => {
  it('rejects and counts every invalid message, rejects bad frames, and still answers correctly', async () => {
    const sup = (supervisor = createSupervisor({ statsIntervalMs: 200 }));
    sup.addCamera(externalCamera('fz'));
    await sup.waitForState('fz', 'running');
    const before = { astronaut: await inferOnce(sup, 'fz', 'astronaut'), rocket: await inferOnce(sup, 'fz', 'rocket') };
    expect(before.astronaut.detections.length).toBeGreaterThan(0);
    const worker = sup.workerOf('fz')!;
    const pid = worker.pid;
    // The counters come with the stats heartbeat: start from one that has seen both inferences.
    await until(() => sup.status('fz')!.framesInferred >= 2, 30_000, 'a heartbeat with both inferences counted');
    const start = sup.status('fz')!;

    const drops: FrameDroppedMessage[] = [];
    sup.on('dropped', (d) => drops.push(d));
    const fuzz = new Fuzzer(SEED, { maxBytes: 2048 });
    const templates = inboundTemplates('fz');
    let invalid = 0;
    let badFrames = 0;
    let backlog = 0;
    // Frames of the wrong type first, by hand: the schema refuses them, so they count as messages.
    const { astronaut } = fixtureFrames();
    for (const wrongType of [
      { ...validFrame('fz'), data: new Float32Array(astronaut.data.length) },
      { ...validFrame('fz'), data: Array.from(astronaut.data.subarray(0, 100)) },
      { ...validFrame('fz'), data: 'RGBRGBRGB' },
      { ...validFrame('fz'), width: '128' },
      { ...validFrame('fz'), frameId: -1 },
      { ...validFrame('fz'), data: new Uint8Array(1024 * 1024 * 3 + 1) },
    ]) {
      expect(WorkerInbound.safeParse(wrongType).success).toBe(false);
      worker.postMessage(wrongType);
      invalid++;
    }
    const started = Date.now();
    while (invalid + badFrames < MAX_MESSAGES) {
      never(started, invalid + badFrames);
      for (let i = 0; i < 100; i++) {
        if (fuzz.chance(0.05)) {
          // Schema-valid frames the worker must still refuse: wrong size, wrong byte count, other camera.
          const bad = fuzz.pick([
            { ...validFrame('fz', 100_000 + badFrames), width: 64, height: 64, data: new Uint8Array(64 * 64 * 3) },
            { ...validFrame('fz', 100_000 + badFrames), data: new Uint8Array(128 * 128 * 4) },
            { ...validFrame('fz', 100_000 + badFrames), data: new Uint8Array(17) },
            { ...validFrame('other-camera', 100_000 + badFrames) },
          ]);
          expect(WorkerInbound.safeParse(bad).success).toBe(true);
          worker.postMessage(bad);
          badFrames++;
          continue;
        }
        const m = fuzz.chance(0.2) ? fuzz.value() : fuzz.mutate(fuzz.pick(templates));
        // Only messages the schema refuses (a mutated 'stop' that is still valid would stop the worker).
        if (!ipcSendable(m) || WorkerInbound.safeParse(m).success) continue;
        // false only means the channel has a backlog: the message is queued all the same.
        if (!worker.postMessage(m)) backlog++;
        invalid++;
      }
      await sleep(backlog > 0 ? 5 : 0);
      backlog = 0;
    }
    console.log(`[fuzz worker] seed ${SEED}: ${invalid} invalid messages and ${badFrames} bad frames in ${Date.now() - started} ms`);
    expect(invalid).toBeGreaterThan(1000);

    await until(
      () => {
        const s = sup.status('fz')!;
        return s.messagesRejected - start.messagesRejected >= invalid && s.framesRejected - start.framesRejected >= badFrames;
      },
      60_000,
      'the worker to count every rejected message',
    );
    await quietPeriod(500); // one more stats heartbeat: the counts must not overshoot
    const end = sup.status('fz')!;
    expect(end.messagesRejected - start.messagesRejected).toBe(invalid);
    expect(end.framesRejected - start.framesRejected).toBe(badFrames);
    // Schema-valid frames the worker refused; malformed messages shaped like a frame are answered too ('frame rejected: ...').
    const rejectedDrops = drops.filter((d) => d.reason === 'rejected' && !d.message?.startsWith('frame rejected: '));
    expect(rejectedDrops).toHaveLength(badFrames);
    expect(drops.filter((d) => d.message?.startsWith('frame rejected: ')).length).toBeGreaterThan(0);
    expect(rejectedDrops.every((d) => d.cameraId === 'fz' && typeof d.message === 'string')).toBe(true);

    // Same process, still running, and its answers are what they were.
    expect(end).toMatchObject({ state: 'running', restarts: 0, pid });
    const after = { astronaut: await inferOnce(sup, 'fz', 'astronaut'), rocket: await inferOnce(sup, 'fz', 'rocket') };
    expect(after.astronaut.detections).toEqual(before.astronaut.detections);
    expect(after.rocket.detections).toEqual(before.rocket.detections);
  }, 60_000);
});

class GarbageLauncher implements WorkerLauncher {
  readonly kind = 'node' as const;
  private readonly tsx: string;
  constructor(private readonly env: Record<string, string>) {
    const require = createRequire(path.join(ROOT, 'package.json'));
    this.tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  }
  launch(options: LaunchOptions): WorkerProcess {
    const child = fork(path.join(ROOT, 'test', 'reliability', 'fixtures', 'garbage-worker.ts'), [], {
      execArgv: ['--import', this.tsx],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, ...options.env, ...this.env },
    });
    return new NodeWorkerProcess(child);
  }
}

describe('fuzz: the supervisor receiving garbage from a worker process', () => {
  it('drops and counts every malformed message and keeps the camera working', async () => {
    const garbage = 3000;
    const foreign = 50; // valid messages naming another camera (a fatal 'error' among them)
    const count = garbage + foreign;
    const sup = (supervisor = createSupervisor({
      launcher: new GarbageLauncher({ FUZZ_SEED: String(SEED), FUZZ_COUNT: String(garbage), FUZZ_FOREIGN: String(foreign) }),
    }));
    const results: ResultMessage[] = [];
    sup.on('result', (r) => results.push(r));
    const errors: string[] = [];
    sup.on('change', (s) => s.error && errors.push(s.error));
    sup.addCamera(externalCamera('junk'));
    // The garbage arrives before 'ready': the camera comes up anyway.
    const running = await sup.waitForState('junk', 'running', 30_000);
    expect(running.messagesRejected).toBe(count);
    expect(results).toHaveLength(0); // no garbage was mistaken for a result, none was passed off as another camera's
    expect(errors).toHaveLength(0);

    const frameId = sup.pushFrame('junk', fixtureFrames().rocket);
    await until(() => results.some((r) => r.frameId === frameId), 30_000, 'an answer after the garbage');
    await quietPeriod(600); // no restart follows
    expect(sup.status('junk')).toMatchObject({ state: 'running', restarts: 0, messagesRejected: count });
  }, 60_000);
});

describe('fuzz: shared schemas never throw', () => {
  const { astronaut } = fixtureFrames();
  const frame: FrameMessage = { type: 'frame', cameraId: 'cam-1', frameId: 7, ...astronaut, data: astronaut.data.slice(0, 600), acceptedAt: 1 };
  const cameraConfig = { id: 'cam-1', name: 'Front door', source: { kind: 'webcam', deviceId: 'abc', label: 'USB' }, model: 'face-short', scoreThreshold: 0.6, maxFps: 30 };
  const apiRequests = [
    { method: 'getSnapshot' },
    { method: 'getConfig' },
    { method: 'listModels' },
    { method: 'addCamera', camera: cameraConfig },
    { method: 'addCamera', camera: { name: 'Clip', source: { kind: 'video', url: 'file:///x.mp4' } } },
    { method: 'removeCamera', id: 'cam-1' },
    { method: 'updateCamera', id: 'cam-1', patch: { name: 'Back', scoreThreshold: 0.4 } },
    { method: 'setSettings', settings: { threadsPerInterpreter: 2, delegate: 'none', maxInFlight: 2 } },
  ];
  const cases: Array<{ name: string; schema: z.ZodType; templates: unknown[]; json?: boolean }> = [
    { name: 'WorkerInbound', schema: WorkerInbound, templates: inboundTemplates('cam-1') },
    {
      name: 'WorkerOutbound',
      schema: WorkerOutbound,
      templates: [
        { type: 'hello', pid: 1 },
        { type: 'error', cameraId: 'cam-1', code: 'model-invalid', message: 'bad', fatal: true },
        { type: 'result', cameraId: 'cam-1', frameId: 1, detections: [{ score: 0.9, label: 'face', box: { x: 0, y: 0, w: 1, h: 1 }, keypoints: [{ x: 0, y: 0 }] }], inferMs: 1, endToEndMs: 2, sourceWidth: 10, sourceHeight: 10 },
        { type: 'frame-dropped', cameraId: 'cam-1', frameId: 1, reason: 'replaced' },
        { type: 'calibration', modelName: 'm', delegate: 'none', results: [{ threads: 1, ips: 5 }] },
      ],
    },
    { name: 'FrameMessage', schema: FrameMessage, templates: [frame] },
    { name: 'ApiRequest', schema: ApiRequest, templates: apiRequests, json: true },
    { name: 'WsClientMessage', schema: WsClientMessage, templates: apiRequests.map((request, id) => ({ kind: 'request', id, request })), json: true },
  ];

  for (const c of cases) {
    it(`${c.name}: mutated valid messages parse to ok:false or a valid value`, () => {
      for (const t of c.templates) expect(c.schema.safeParse(t).success, `template ${JSON.stringify(t).slice(0, 80)}`).toBe(true);
      const fuzz = new Fuzzer(SEED, { json: c.json, maxBytes: 1024 });
      let accepted = 0;
      let rejected = 0;
      const started = Date.now();
      while (accepted + rejected < MAX_MESSAGES) {
        never(started, accepted + rejected);
        const raw = fuzz.chance(0.1) ? fuzz.value() : fuzz.mutate(fuzz.pick(c.templates));
        // JSON receivers see what JSON.parse makes of the text.
        const m = c.json ? JSON.parse(JSON.stringify(raw) ?? 'null') : raw;
        const result = parseMessage(c.schema, m);
        if (result.ok) {
          accepted++;
          expect(c.schema.safeParse(result.value).success).toBe(true);
        } else {
          rejected++;
          expect(typeof result.error).toBe('string');
        }
      }
      console.log(`[fuzz ${c.name}] seed ${SEED}: ${rejected} rejected, ${accepted} still valid`);
      expect(rejected).toBeGreaterThan(500);
    });
  }

  it('decodeFrame: mutated binary frames decode to ok:false or a valid frame', () => {
    const fuzz = new Fuzzer(SEED, { json: true });
    const valid = encodeFrame(frame);
    expect(decodeFrame(valid).ok).toBe(true);
    let ok = 0;
    let bad = 0;
    const started = Date.now();
    while (ok + bad < MAX_MESSAGES) {
      never(started, ok + bad);
      let bytes: Uint8Array;
      switch (fuzz.int(5)) {
        case 0: // flipped bytes anywhere, most often in the prefix and header
          bytes = valid.slice();
          for (let i = 0, n = 1 + fuzz.int(8); i < n; i++) bytes[fuzz.chance(0.7) ? fuzz.int(Math.min(bytes.length, 300)) : fuzz.int(bytes.length)] = fuzz.int(256);
          break;
        case 1: // truncated
          bytes = valid.slice(0, fuzz.int(valid.length));
          break;
        case 2: {
          // a mutated header, re-encoded with a correct length prefix
          const { data, ...header } = frame;
          const json = new TextEncoder().encode(JSON.stringify(fuzz.mutate(header)) ?? '');
          bytes = new Uint8Array(4 + json.length + (fuzz.chance(0.5) ? data.length : fuzz.int(100)));
          new DataView(bytes.buffer).setUint32(0, json.length);
          bytes.set(json, 4);
          break;
        }
        case 3: // a length prefix that lies
          bytes = valid.slice();
          new DataView(bytes.buffer).setUint32(0, fuzz.pick([0, 1, 0xffffffff, 64 * 1024, 64 * 1024 + 1, valid.length, fuzz.int(2 ** 32)]));
          break;
        default: // noise, sometimes viewed at an offset into a larger buffer
          bytes = fuzz.bytes(2048);
          if (fuzz.chance(0.5) && bytes.length > 8) bytes = bytes.subarray(3, bytes.length - 2);
      }
      const result = decodeFrame(bytes);
      if (result.ok) {
        ok++;
        expect(FrameMessage.safeParse(result.frame).success).toBe(true);
      } else {
        bad++;
        expect(typeof result.error).toBe('string');
      }
    }
    console.log(`[fuzz decodeFrame] seed ${SEED}: ${bad} rejected, ${ok} decoded`);
    expect(bad).toBeGreaterThan(500);
  });
});
