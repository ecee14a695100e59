/**
 * One client flooding a camera must not starve the others: a real serve-mode instance with two
 * external cameras on real workers. Client B sends camera B frames as fast as its socket takes
 * them; camera B's maxFps (10) is enforced where the frames arrive, so its worker gets no more
 * than that, B is told why the rest were refused, and client A's camera keeps answering every frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, type FrameMessage } from '../../src/shared/contracts/frames';
import type { WsServerMessage } from '../../src/shared/contracts/ws';
import { fixtureFrames } from '../reliability/helpers';
import { sleep } from '../support/process';
import { startServe, TestClient, type ServeProcess } from './helpers';

let serve: ServeProcess;
const clients: TestClient[] = [];

interface Stats {
  server: { framesOverRate: number; clientPauses: number };
  cameras: Array<{ id: string; state: string; framesReceived: number; framesInferred: number }>;
}

async function stats(): Promise<Stats> {
  const res = await fetch(`${serve.base}/api/stats`, { headers: { Authorization: `Bearer ${serve.token}` } });
  return (await res.json()) as Stats;
}

beforeAll(async () => {
  serve = await startServe({
    cameras: [
      { id: 'cam-a', name: 'A', source: { kind: 'external' } },
      { id: 'cam-b', name: 'B', source: { kind: 'external' }, maxFps: 10 },
    ],
    settings: { threadsPerInterpreter: 1 },
  });
  for (let i = 0; i < 600; i++) {
    const { cameras } = await stats();
    if (cameras.length === 2 && cameras.every((c) => c.state === 'running')) return;
    await sleep(100);
  }
  throw new Error(`the cameras did not start: ${serve.stderr()}`);
}, 90_000);

afterAll(() => {
  for (const c of clients) c.socket.terminate();
  serve?.kill();
});

describe('a client flooding one camera', () => {
  it("is held to that camera's maxFps where frames arrive; the other client's camera answers every frame", async () => {
    const a = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    const b = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    clients.push(a, b);
    const { astronaut } = fixtureFrames();
    const frame = (cameraId: string, frameId: number): Uint8Array =>
      encodeFrame({ type: 'frame', cameraId, frameId, ...astronaut, acceptedAt: Date.now() } satisfies FrameMessage);
    const before = await stats();
    const receivedBefore = before.cameras.find((c) => c.id === 'cam-b')!.framesReceived;

    let sent = 0;
    let flooding = true;
    const started = Date.now();
    const flood = (async () => {
      while (flooding) {
        // As fast as the socket takes them, without piling up in this process.
        if (b.socket.bufferedAmount < 1024 * 1024) b.socket.send(frame('cam-b', ++sent));
        else await sleep(1);
        if (sent % 20 === 0) await new Promise((r) => setImmediate(r));
      }
    })();

    // Meanwhile client A sends its camera one frame at a time, at its own pace; each is answered with a result.
    let answered = 0;
    for (let id = 1; Date.now() - started < 4000 || answered < 5; id++) {
      a.socket.send(frame('cam-a', id));
      const reply = (await a.waitFor((m) => m.kind === 'frame' && m.message.frameId === id, `A's frame ${id}`, 15_000)) as Extract<WsServerMessage, { kind: 'frame' }>;
      expect(reply.message.type).toBe('result');
      answered++;
      await sleep(20); // within camera A's own rate (60 frames a second when maxFps is unset)
    }
    flooding = false;
    await flood;
    const floodSeconds = (Date.now() - started) / 1000;

    await sleep(1500); // the workers report their counters once a second
    const after = await stats();
    // Frames still in the sockets when the flood stopped pass the limiter later: the bound runs to now.
    const seconds = (Date.now() - started) / 1000;
    const received = after.cameras.find((c) => c.id === 'cam-b')!.framesReceived - receivedBefore;
    // B's worker got at most 10 frames a second (and two of slack), though B sent far more.
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(Math.ceil(10 * seconds) + 2);
    expect(sent).toBeGreaterThan(Math.ceil(10 * floodSeconds) + 2);
    expect(after.server.framesOverRate - before.server.framesOverRate).toBeGreaterThan(0);
    // B is told why, frame by frame.
    const refused = b.messages.filter((m) => m.kind === 'frame' && m.message.type === 'frame-dropped' && /at most 10 frames a second/.test(m.message.message ?? ''));
    expect(refused.length).toBeGreaterThan(0);
    expect(answered).toBeGreaterThanOrEqual(5);
  }, 90_000);

  it('gives the others a turn: a burst of messages from one client is paused after each 32', async () => {
    const burst = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    const other = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    clients.push(burst, other);
    const before = (await stats()).server;
    // 3000 small requests in one go (the socket writes them in a few large chunks).
    const ids = Array.from({ length: 3000 }, (_, i) => i + 1);
    for (const id of ids) burst.socket.send(JSON.stringify({ kind: 'request', id, request: { method: 'getConfig' } }));
    // The other client is still answered.
    const reply = await other.request({ method: 'getSnapshot' });
    expect(reply.ok).toBe(true);
    await burst.waitFor((m) => m.kind === 'response' && m.id === 3000, 'the last answer of the burst', 30_000);
    const after = (await stats()).server;
    expect(after.clientPauses - before.clientPauses).toBeGreaterThan(0);
  }, 60_000);
});
