/**
 * Uploads on a real serve process: bodies go to disk as they arrive (three 64 MB uploads in
 * parallel do not grow serve's memory by their size), and the media folder has a quota from the
 * settings (mediaQuotaMB, here 256): a body that passes it is answered 413 with the reason, its
 * partial file removed, whether it said its length up front or not.
 */
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peakRss } from '../support/process';
import { startServe, type ServeProcess } from './helpers';

const MB = 1024 * 1024;
let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe({ cameras: [], settings: { mediaQuotaMB: 256 } });
}, 60_000);

afterAll(async () => {
  await serve?.terminate();
});

/** `size` bytes of a pattern of its own (so each upload has its own content name), 1 MB at a time. */
function* body(size: number, seed: number): Generator<Buffer> {
  const chunk = Buffer.alloc(MB, seed);
  for (let sent = 0; sent < size; sent += MB) {
    chunk.writeUInt32BE(sent / MB, 0);
    yield chunk.subarray(0, Math.min(MB, size - sent));
  }
}

/** PUT /api/media streaming the body, with or without a Content-Length; the answer, even if the server stops reading. */
function upload(size: number, seed: number, declareLength: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'video/mp4' };
    if (declareLength) headers['Content-Length'] = size;
    const req = request({ host: '127.0.0.1', port: serve.port, method: 'PUT', path: '/api/media', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    let answered = false;
    req.on('response', () => (answered = true));
    // A refused body is not read to its end: the socket closes under the writer, which is expected once answered.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunks = body(size, seed);
    const pump = () => {
      for (let next = chunks.next(); !next.done; next = chunks.next()) {
        if (req.destroyed) return;
        if (!req.write(next.value)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('serve mode uploads', () => {
  let mediaDir = '';

  it('streams bodies to disk: three 64 MB uploads in parallel do not grow serve by their size', async () => {
    const pid = serve.servePid()!;
    const before = peakRss(pid);
    expect(before).toBeGreaterThan(0);
    const answers = await Promise.all([1, 2, 3].map((seed) => upload(64 * MB, seed, seed !== 2)));
    for (const answer of answers) expect(answer.status, answer.text).toBe(201);
    const paths = answers.map((a) => (JSON.parse(a.text) as { path: string }).path);
    mediaDir = path.dirname(paths[0]);
    expect(readdirSync(mediaDir).sort()).toEqual(paths.map((p) => path.basename(p)).sort());
    // Buffered, the three bodies alone are 192 MB.
    expect(peakRss(pid) - before).toBeLessThan(96 * MB);
  }, 180_000);

  it('refuses a body over the quota with 413 and the reason, and removes its partial file', async () => {
    const kept = readdirSync(mediaDir).sort();
    // 192 MB kept; 100 MB more passes 256 MB. Without a length, it is refused as it arrives.
    const streamed = await upload(100 * MB, 4, false);
    expect(streamed.status).toBe(413);
    expect(streamed.text).toMatch(/the media folder would hold \d+ MB, over its quota of 256 MB \(settings\.mediaQuotaMB\)/);
    expect(readdirSync(mediaDir).sort()).toEqual(kept);
    // With a length that cannot fit, before a byte is read.
    const declared = await upload(100 * MB, 5, true);
    expect(declared.status).toBe(413);
    expect(declared.text).toMatch(/over its quota of 256 MB/);
    expect(readdirSync(mediaDir).sort()).toEqual(kept);
    // What fits is still kept.
    expect((await upload(8 * MB, 6, true)).status).toBe(201);
  }, 180_000);
});
