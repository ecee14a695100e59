/**
 * Serve mode's media folder: a picture or video uploaded by the page is kept in the data directory
 * and served back by name, behind the token; nothing outside the folder is reachable through it.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, ROOT, startServe, type ServeProcess } from './helpers';

let serve: ServeProcess;
const PNG = readFileSync(path.join(ROOT, 'test', 'fixtures', 'astronaut.png'));

beforeAll(async () => {
  serve = await startServe({ cameras: [] });
}, 60_000);

afterAll(async () => {
  await serve?.terminate();
});

const auth = () => ({ Authorization: `Bearer ${serve.token}` });

/** One request on its own connection (serve mode closes idle connections within seconds). */
function call(method: string, pathname: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: serve.port, method, path: pathname, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('serve mode media', () => {
  it('keeps an uploaded picture, serves it back by name, and refuses other types', async () => {
    // Without the token: refused before the body is read (a small body, so the answer can be read).
    expect((await call('PUT', '/api/media', { 'Content-Type': 'image/png' }, PNG.subarray(0, 100))).status).toBe(401);
    const put = await call('PUT', '/api/media', { ...auth(), 'Content-Type': 'image/png' }, PNG);
    expect(put.status).toBe(201);
    const { ref, path: file } = JSON.parse(put.body.toString()) as { ref: string; path: string };
    expect(ref).toMatch(/^media:[0-9a-f]{64}\.png$/);
    expect(readFileSync(file)).toEqual(PNG);
    const name = ref.slice('media:'.length);
    const got = await call('GET', `/media/${name}`, auth());
    expect(got.status).toBe(200);
    expect(got.type).toBe('image/png');
    expect(got.body).toEqual(PNG);
    expect((await call('GET', `/media/${name}`)).status).toBe(401);

    const text = await call('PUT', '/api/media', { ...auth(), 'Content-Type': 'text/x-shellscript' }, 'echo hi');
    expect(text.status).toBe(415);
    const unknown = await call('PUT', '/api/media', { ...auth(), 'Content-Type': 'image/x-unknown' }, PNG);
    expect(unknown.status).toBe(400);
    expect(unknown.body.toString()).toMatch(/pictures .*, videos .* and TF Lite models only/);
  });

  it('never reaches outside the media folder (raw requests, not normalised)', async () => {
    const get = (target: string) =>
      rawRequest(serve.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nAuthorization: Bearer ${serve.token}\r\nConnection: close\r\n\r\n`);
    // Names the store never gave out.
    for (const target of ['/media/..%2Fconfig.json', `/media/${'a'.repeat(64)}.png`, '/media/config.json', '/media/token']) {
      expect((await get(target)).status, target).toBe(404);
    }
    // Paths that climb out: whatever answers (the page, or 404), it is never a file of the data directory.
    for (const target of ['/media/../config.json', '/media/%2e%2e/config.json', '/media/%2e%2e/token']) {
      const res = await get(target);
      expect(res.body, target).not.toContain('"cameras"');
      expect(res.body, target).not.toContain(serve.token);
    }
    // Other writes are still refused.
    expect((await call('DELETE', '/api/media', auth())).status).toBe(405);
  });
});
