/**
 * Fuzz of serve mode's WebSocket receiver: serve mode runs as a real child process
 * (built `out/serve/cli.js --port 0`) with one external camera on a real worker; a client with
 * the token throws thousands of mutated and random JSON and binary messages at it. The server must
 * answer every malformed request that carries an id with ok:false, keep its camera running, and
 * keep serving /api/stats (with the token only) and new connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ApiResponse } from '../../src/shared/contracts/engine-api';
import type { FrameMessage } from '../../src/shared/contracts/frames';
import { decodeFrame, encodeFrame, peekFrame } from '../../src/shared/contracts/frames';
import { WsClientMessage, WsServerMessage } from '../../src/shared/contracts/ws';
import { Fuzzer } from './fuzz-gen';
import { fixtureFrames, pidAlive, ROOT, sleep, until } from './helpers';
import { tempDir } from '../support/tmp';
import { serveCommand } from '../support/serve-process';

const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const MAX_MESSAGES = 4000;
/** Only catches a server that stopped taking messages at all. */
const NEVER_MS = 180_000;

interface Serve {
  child: ChildProcess;
  base: string;
  wsUrl: string;
  token: string;
  stderr: () => string;
}

let serve: Serve | null = null;
const dir = tempDir('multicam-ws-fuzz-');

beforeAll(async () => {
  const configFile = path.join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      version: 1,
      cameras: [{ id: 'cam-1', name: 'Fuzzed', source: { kind: 'external' } }],
      settings: { threadsPerInterpreter: 1, delegate: 'xnnpack', maxInFlight: 1 },
    }),
  );
  // detached: its own process group, so a failed run can kill serve mode and its worker together.
  const [command, args] = await serveCommand(['--port', '0', '--config', configFile]);
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => (err += c));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      out += c;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code} before printing its URL:\n${err}`)));
  });
  const parsed = new URL(url);
  serve = { child, base: `http://${parsed.host}`, wsUrl: `ws://${parsed.host}/ws`, token: parsed.searchParams.get('token')!, stderr: () => err };
  const deadline = Date.now() + 120_000;
  for (;;) {
    const stats = await getStats();
    if (stats.body?.cameras?.[0]?.state === 'running') break;
    if (Date.now() > deadline) throw new Error(`cam-1 did not start: ${JSON.stringify(stats.body)}\n${err}`);
    await sleep(200);
  }
}, 120_000);

afterAll(async () => {
  if (serve) {
    const pid = Number(/serve: pid (\d+)/.exec(serve.stderr())?.[1]);
    try {
      if (pid > 0) process.kill(pid, 'SIGTERM');
      await until(() => !(pid > 0 && pidAlive(pid)), 10_000, 'serve to stop');
    } finally {
      try {
        process.kill(-serve.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

interface StatsBody {
  server?: { clients: number; invalidMessages: number; framesOverRate: number };
  cameras: Array<{ id: string; state: string; pid: number | null; restarts: number; framesRejected: number; messagesRejected: number }>;
}

async function getStats(token = serve!.token): Promise<{ status: number; body: StatsBody | null }> {
  const res = await fetch(`${serve!.base}/api/stats`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, body: res.ok ? (JSON.parse(text) as StatsBody) : null };
}

/** A client that keeps every parsed server message. */
async function connect(): Promise<{ ws: WebSocket; messages: WsServerMessage[]; invalid: string[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${serve!.wsUrl}?token=${serve!.token}`);
  const messages: WsServerMessage[] = [];
  /** Server messages that fail the server's own schema (the renderer would drop them). */
  const invalid: string[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const parsed = WsServerMessage.safeParse(JSON.parse(data.toString()));
    if (parsed.success) messages.push(parsed.data);
    else invalid.push(data.toString());
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, invalid, closed };
}

/** Waits until the socket's send buffer has drained, so the server is not just buffering. */
async function drained(ws: WebSocket): Promise<void> {
  while (ws.bufferedAmount > 0) await sleep(5);
}

const READ_ONLY = new Set(['getSnapshot', 'getConfig', 'listModels']);

function requestTemplates(): unknown[] {
  const camera = { id: 'cam-9', name: 'New', source: { kind: 'external' }, model: 'face-short', scoreThreshold: 0.6, maxFps: 30 };
  return [
    { kind: 'request', id: 1, request: { method: 'getSnapshot' } },
    { kind: 'request', id: 2, request: { method: 'getConfig' } },
    { kind: 'request', id: 3, request: { method: 'listModels' } },
    { kind: 'request', id: 4, request: { method: 'addCamera', camera } },
    { kind: 'request', id: 5, request: { method: 'removeCamera', id: 'cam-1' } },
    { kind: 'request', id: 6, request: { method: 'updateCamera', id: 'cam-1', patch: { name: 'Renamed', scoreThreshold: 0.4 } } },
    { kind: 'request', id: 7, request: { method: 'setSettings', settings: { threadsPerInterpreter: 2, maxInFlight: 2 } } },
  ];
}

describe('fuzz: the serve-mode WebSocket receiver (real server process)', () => {
  it('answers malformed requests with ok:false, survives mutated frames and keeps serving', async () => {
    const { ws, messages, invalid } = await connect();
    const fuzz = new Fuzzer(SEED, { json: true });
    const templates = requestTemplates();
    const { astronaut } = fixtureFrames();
    const validFrame: FrameMessage = { type: 'frame', cameraId: 'cam-1', frameId: 1, ...astronaut, acceptedAt: Date.now() };
    const frameBytes = encodeFrame(validFrame);

    let invalidWithId = 0; // malformed requests with a usable id: each must get ok:false
    let invalidOther = 0; // not JSON, or no usable id (none, or a whole number beyond 2^53): no answer
    let readOnly = 0; // valid harmless requests mixed in: each must get ok:true
    let binaryBad = 0; // binary messages main refuses: the header does not name a camera and a frame id
    let binaryWorkerBad = 0; // messages main forwards to cam-1's worker that the worker refuses
    let binaryFrames = 0; // binary messages that decode to a frame, or name an unknown camera

    /** What the server will make of a text message; null for a valid request that changes the engine. */
    const classify = (text: string): 'invalid-with-id' | 'invalid' | 'read-only' | null => {
      let seen: unknown;
      try {
        // The server reads UTF-8 off the wire: a lone surrogate arrives as U+FFFD.
        seen = JSON.parse(Buffer.from(text, 'utf8').toString('utf8'));
      } catch {
        return 'invalid';
      }
      const parsed = WsClientMessage.safeParse(seen);
      if (parsed.success) return READ_ONLY.has(parsed.data.request.method) ? 'read-only' : null;
      const id = (seen as { id?: unknown } | null)?.id;
      return Number.isSafeInteger(id) && (id as number) >= 0 ? 'invalid-with-id' : 'invalid';
    };

    const invalidBefore = (await getStats()).body!.server!.invalidMessages;
    const workerRejectedBefore = (await getStats()).body!.cameras[0].messagesRejected;
    const overRateBefore = (await getStats()).body!.server!.framesOverRate;
    const started = Date.now();
    const total = () => invalidWithId + invalidOther + readOnly + binaryBad + binaryFrames;
    // The run is a count of messages, not a time: a busy machine sends them more slowly, not fewer.
    while (total() < MAX_MESSAGES) {
      if (Date.now() - started > NEVER_MS) throw new Error(`the fuzz sent only ${total()} messages in ${NEVER_MS} ms`);
      for (let i = 0; i < 50; i++) {
        if (fuzz.chance(0.25)) {
          // Binary: a frame with flipped header bytes, truncated, with a lying length, or noise.
          let bytes: Uint8Array;
          const kind = fuzz.int(4);
          if (kind === 0) {
            bytes = frameBytes.slice();
            for (let k = 0, n = 1 + fuzz.int(6); k < n; k++) bytes[fuzz.int(Math.min(bytes.length, 300))] = fuzz.int(256);
          } else if (kind === 1) bytes = frameBytes.slice(0, fuzz.int(frameBytes.length));
          else if (kind === 2) {
            bytes = frameBytes.slice();
            new DataView(bytes.buffer).setUint32(0, fuzz.pick([0, 1, 0xffffffff, 64 * 1024 + 1, fuzz.int(2 ** 32)]));
          } else bytes = fuzz.bytes(4096);
          // Main reads only the camera and frame id; the worker validates the rest.
          const head = peekFrame(bytes);
          if (!head) binaryBad++;
          else if (head.cameraId === 'cam-1' && !decodeFrame(bytes).ok) binaryWorkerBad++;
          else binaryFrames++;
          ws.send(bytes, { binary: true });
          continue;
        }
        let text: string;
        if (fuzz.chance(0.07)) {
          // Text that is (almost always) not JSON: a mutated request cut short.
          const whole = JSON.stringify(fuzz.mutate(fuzz.pick(templates))) ?? '';
          text = whole.slice(0, Math.max(1, fuzz.int(whole.length))) + fuzz.pick(['', '{', '"', '\\', ']]']);
        } else {
          text = JSON.stringify(fuzz.chance(0.15) ? fuzz.value() : fuzz.mutate(fuzz.pick(templates))) ?? 'null';
        }
        const kind = classify(text);
        // Valid requests that change the engine (a new camera is a new process) are not fuzz.
        if (kind === null) continue;
        if (kind === 'invalid-with-id') invalidWithId++;
        else if (kind === 'invalid') invalidOther++;
        else readOnly++;
        ws.send(text);
      }
      await drained(ws);
      await sleep(1);
    }
    console.log(
      `[fuzz ws] seed ${SEED}: ${invalidWithId} malformed requests with an id, ${invalidOther} other malformed text, ` +
        `${readOnly} read-only requests, ${binaryBad} + ${binaryWorkerBad} malformed and ${binaryFrames} other binary messages in ${Date.now() - started} ms`,
    );
    expect(invalidWithId).toBeGreaterThan(500);
    expect(binaryBad).toBeGreaterThan(500);

    // Every request with a usable id is answered (the malformed ones with ok:false and a reason),
    // every server message is valid, and the server counted every malformed message.
    const responses = () => messages.filter((m): m is Extract<WsServerMessage, { kind: 'response' }> => m.kind === 'response');
    await until(() => responses().length >= invalidWithId + readOnly, 120_000, `${invalidWithId + readOnly} responses (have ${responses().length})`);
    const expectedInvalid = invalidWithId + invalidOther + binaryBad;
    for (let waited = 0; (await getStats()).body!.server!.invalidMessages - invalidBefore < expectedInvalid && waited < 10_000; waited += 100) await sleep(100);
    await sleep(300);
    const all = responses();
    expect(all).toHaveLength(invalidWithId + readOnly);
    expect(all.every((r) => ApiResponse.safeParse(r.response).success)).toBe(true);
    expect(all.filter((r) => !r.response.ok)).toHaveLength(invalidWithId);
    expect(all.filter((r) => r.response.ok)).toHaveLength(readOnly);
    expect(invalid).toEqual([]);
    expect((await getStats()).body!.server!.invalidMessages - invalidBefore).toBe(expectedInvalid);
    // The worker counted every frame main forwarded that it could not decode (its heartbeat carries
    // it). Frames over cam-1's rate were answered by main before reaching the worker: which of them
    // were malformed depends on timing, so the worker saw between all of the malformed ones and all
    // of them less every frame main held back.
    const overRate = (await getStats()).body!.server!.framesOverRate - overRateBefore;
    expect(overRate).toBeGreaterThan(0);
    const workerRejected = async () => (await getStats()).body!.cameras[0].messagesRejected - workerRejectedBefore;
    const least = Math.max(0, binaryWorkerBad - overRate);
    for (let waited = 0; (await workerRejected()) < least && waited < 10_000; waited += 200) await sleep(200);
    await sleep(1500); // one more heartbeat, so nothing counted late is missed
    expect(await workerRejected()).toBeGreaterThanOrEqual(least);
    expect(await workerRejected()).toBeLessThanOrEqual(binaryWorkerBad);

    // The same socket still works, the camera still runs in its first process, and frames still work.
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.send(JSON.stringify({ kind: 'request', id: 999_999, request: { method: 'getSnapshot' } }));
    await until(() => responses().some((r) => r.id === 999_999 && r.response.ok), 60_000, 'a valid request answered after the fuzz');
    ws.send(encodeFrame({ ...validFrame, frameId: 424_242, acceptedAt: Date.now() }), { binary: true });
    await until(
      () => messages.some((m) => m.kind === 'frame' && m.message.type === 'result' && m.message.frameId === 424_242),
      10_000,
      'a result for a valid frame after the fuzz',
    );
    const result = messages.find((m) => m.kind === 'frame' && m.message.type === 'result' && m.message.frameId === 424_242)!;
    expect(result.kind === 'frame' && result.message.type === 'result' && result.message.detections.length).toBeGreaterThan(0);

    const stats = await getStats();
    expect(stats.status).toBe(200);
    expect(stats.body!.cameras).toHaveLength(1);
    expect(stats.body!.cameras[0]).toMatchObject({ id: 'cam-1', state: 'running', restarts: 0 });
    ws.close();
  }, 300_000);

  it('closes a socket that sends an oversized or non-UTF-8 message and keeps serving others; /api/stats wants the token', async () => {
    const { ws, closed } = await connect();
    ws.send(new Uint8Array(4 * 1024 * 1024), { binary: true });
    expect(await closed).toBe(1009);

    // A text message that is not UTF-8 ends that connection too (1007), and only that one.
    const broken = await connect();
    broken.ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0x22, 0x7d]), { binary: false });
    expect(await broken.closed).toBe(1007);

    const again = await connect();
    again.ws.send(JSON.stringify({ kind: 'request', id: 1, request: { method: 'listModels' } }));
    await until(() => again.messages.some((m) => m.kind === 'response' && m.id === 1 && m.response.ok), 60_000, 'a new connection to work');
    again.ws.close();

    expect((await getStats()).status).toBe(200);
    expect((await getStats('')).status).toBe(401);
    expect((await getStats('not-the-token')).status).toBe(401);
    expect((await getStats()).body!.cameras[0]).toMatchObject({ state: 'running', restarts: 0 });
  }, 120_000);
});
