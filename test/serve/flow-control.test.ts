/**
 * Flow control where a client's messages arrive in serve mode, on a real serve process with raw
 * WebSocket clients:
 * - a client flooding frames for a camera another client captures is refused as not its camera
 *   before any rate bucket is charged, so the capturing client's frames keep being answered;
 * - a client that never reads its answers is no longer read from once the answers it has not
 *   taken pass a cap, and is closed, so serve's memory stays bounded;
 * - a frame for a camera the engine reads itself (a file camera) is refused.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, type FrameMessage } from '../../src/shared/contracts/frames';
import type { WsServerMessage } from '../../src/shared/contracts/ws';
import { FACE_MJPEG } from '../support/clips';
import { sleep, untilValue } from '../support/process';
import { fixtureFrames } from '../reliability/helpers';
import { startServe, TestClient, type ServeProcess } from './helpers';
import { LEVEL } from '../support/log-capture';

let serve: ServeProcess;
const clients: TestClient[] = [];
const rawSockets: Socket[] = [];

interface Stats {
  server: { clients: number };
  cameras: Array<{ id: string; state: string }>;
}

async function stats(): Promise<Stats> {
  const res = await fetch(`${serve.base}/api/stats`, { headers: { Authorization: `Bearer ${serve.token}` } });
  return (await res.json()) as Stats;
}

const frameReplies = (client: TestClient) => client.messages.flatMap((m) => (m.kind === 'frame' ? [m.message] : []));

function frame(cameraId: string, frameId: number, small = false): Uint8Array {
  const { astronaut } = fixtureFrames();
  // Refusals read only the header: a flood needs no real pixels.
  return encodeFrame({ type: 'frame', cameraId, frameId, ...astronaut, ...(small ? { data: new Uint8Array(16) } : {}), acceptedAt: Date.now() } satisfies FrameMessage);
}

/** The resident memory of a process, in bytes (Linux /proc). */
function rssOf(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb * 1024;
}

/** One masked text frame, as a client must send it (RFC 6455 5.2). */
function maskedText(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length > 125) throw new Error('short messages only');
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const out = Buffer.alloc(2 + 4 + payload.length);
  out[0] = 0x81;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i] ^ mask[i % 4];
  return out;
}

/** A TCP socket that completes a WebSocket handshake to /ws and then never reads again. */
function nonReadingClient(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: serve.port });
    rawSockets.push(socket);
    let head = '';
    socket.setEncoding('latin1');
    socket.on('error', () => undefined);
    const onData = (chunk: string): void => {
      head += chunk;
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`handshake refused: ${head.slice(0, 200)}`));
      else resolve(socket);
    };
    socket.on('data', onData);
    socket.write(
      `GET /ws?token=${serve.token} HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

beforeAll(async () => {
  serve = await startServe({
    cameras: [
      { id: 'paged', name: 'Paged', source: { kind: 'webcam', label: 'fake_device_0' }, maxFps: 5 },
      { id: 'clip', name: 'Clip', source: { kind: 'file', path: FACE_MJPEG, loop: true }, maxFps: 2 },
    ],
    settings: { threadsPerInterpreter: 1 },
  });
  await untilValue(
    'both cameras running',
    async () => {
      const { cameras } = await stats();
      return cameras.length === 2 && cameras.every((c) => c.state === 'running');
    },
    90_000,
    100,
  );
}, 120_000);

afterAll(() => {
  for (const c of clients) c.socket.terminate();
  for (const s of rawSockets) s.destroy();
  serve?.kill();
});

describe('serve mode flow control', () => {
  it("checks who captures a camera before charging its rate: another client's flood leaves the capturing client answered", async () => {
    const owner = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    clients.push(owner);
    await owner.waitFor((m) => m.kind === 'event' && m.event.type === 'capture-assignment' && m.event.cameraIds.includes('paged'), "the owner's assignment");
    const flooder = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    clients.push(flooder);
    await flooder.waitFor((m) => m.kind === 'event' && m.event.type === 'capture-assignment', "the flooder's assignment");

    let flooded = 0;
    let flooding = true;
    const flood = (async () => {
      while (flooding) {
        if (flooder.socket.bufferedAmount < 256 * 1024) for (let i = 0; i < 50; i++) flooder.socket.send(frame('paged', ++flooded, true));
        await new Promise((r) => setImmediate(r));
      }
    })();

    // The owner sends its camera one frame at a time, slower than its maxFps (5), waiting for each answer.
    const OWN_FRAMES = 12;
    const answers: WsServerMessage[] = [];
    for (let id = 1; id <= OWN_FRAMES; id++) {
      owner.socket.send(frame('paged', id));
      answers.push(await owner.waitFor((m) => m.kind === 'frame' && m.message.frameId === id, `the owner's frame ${id}`, 60_000));
      await sleep(300);
    }
    flooding = false;
    await flood;

    const results = answers.filter((m) => m.kind === 'frame' && m.message.type === 'result');
    expect(results, JSON.stringify(answers.slice(0, 3))).toHaveLength(OWN_FRAMES);
    // The flooder is told the camera is not its own, never that it is over the camera's rate.
    await untilValue('refusals for the flooder', () => frameReplies(flooder).length > 100);
    const refusals = frameReplies(flooder);
    expect(refusals.every((r) => r.type === 'frame-dropped' && /captured by another page/.test(r.message ?? '')), JSON.stringify(refusals.slice(0, 3))).toBe(true);
    expect(flooded).toBeGreaterThan(refusals.length / 2);
  }, 180_000);

  it('refuses frames for a camera the engine reads itself', async () => {
    const client = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    clients.push(client);
    client.socket.send(frame('clip', 7));
    const reply = (await client.waitFor((m) => m.kind === 'frame' && m.message.frameId === 7, 'the answer to the frame')) as Extract<WsServerMessage, { kind: 'frame' }>;
    expect(reply.message.type).toBe('frame-dropped');
    expect(reply.message.type === 'frame-dropped' && reply.message.reason).toBe('rejected');
    expect(reply.message.type === 'frame-dropped' && reply.message.message).toMatch(/reads its own source/);
  }, 60_000);

  it('stops reading a client that never reads its answers, closes it, and keeps its memory bounded', async () => {
    const pid = await untilValue('the serve pid', () => serve.servePid());
    const clientsBefore = (await stats()).server.clients;
    const rssBefore = rssOf(pid);
    let rssMax = rssBefore;
    const sampler = setInterval(() => {
      try {
        rssMax = Math.max(rssMax, rssOf(pid));
      } catch {
        // the process is gone: the test fails on its own below
      }
    }, 50);

    const socket = await nonReadingClient();
    let ended = false;
    socket.on('close', () => (ended = true));
    // 200,000 getSnapshot requests (about 13 MB), written as fast as the kernel takes them.
    const REQUESTS = 200_000;
    const PER_CHUNK = 1000;
    for (let first = 1; first <= REQUESTS && !ended; first += PER_CHUNK) {
      const chunk = Buffer.concat(Array.from({ length: PER_CHUNK }, (_, i) => maskedText(JSON.stringify({ kind: 'request', id: first + i, request: { method: 'getSnapshot' } }))));
      if (!socket.write(chunk)) {
        await new Promise<void>((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
      }
    }
    // The server drops the client for not reading, not for a missed ping.
    await untilValue('the non-reading client dropped', async () => (await stats()).server.clients === clientsBefore, 120_000, 100);
    clearInterval(sampler);
    rssMax = Math.max(rssMax, rssOf(pid));
    expect(rssMax - rssBefore, `serve's RSS went from ${rssBefore} to ${rssMax} bytes`).toBeLessThan(300 * 1024 * 1024);
    // Logged as a warning about that client.
    expect(serve.records().some((r) => r.level === LEVEL.warn && typeof r.client === 'number' && r.msg.includes('does not read its answers'))).toBe(true);
    // Serve still answers everyone else.
    const other = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    clients.push(other);
    expect((await other.request({ method: 'getSnapshot' })).ok).toBe(true);
  }, 300_000);
});
