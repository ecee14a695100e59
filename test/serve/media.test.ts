/**
 * Serve mode's media folder: a picture or video uploaded by the page is kept in the data directory
 * and served back by name, behind the token; nothing outside the folder is reachable through it.
 */
import { readFileSync } from 'node:fs';
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

describe('serve mode media', () => {
  it('keeps an uploaded picture, serves it back by name, and refuses other types', async () => {
    // Without the token: refused before the body is read (a small body, so the answer can be read).
    expect((await fetch(`${serve.base}/api/media`, { method: 'PUT', body: PNG.subarray(0, 100), headers: { 'Content-Type': 'image/png' } })).status).toBe(401);
    const put = await fetch(`${serve.base}/api/media`, { method: 'PUT', body: PNG, headers: { ...auth(), 'Content-Type': 'image/png' } });
    expect(put.status).toBe(201);
    const { ref, path: file } = (await put.json()) as { ref: string; path: string };
    expect(ref).toMatch(/^media:[0-9a-f]{64}\.png$/);
    expect(readFileSync(file)).toEqual(PNG);
    const name = ref.slice('media:'.length);
    const got = await fetch(`${serve.base}/media/${name}`, { headers: auth() });
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await got.arrayBuffer())).toEqual(PNG);
    expect((await fetch(`${serve.base}/media/${name}`)).status).toBe(401);

    const text = await fetch(`${serve.base}/api/media`, { method: 'PUT', body: 'echo hi', headers: { ...auth(), 'Content-Type': 'text/x-shellscript' } });
    expect(text.status).toBe(415);
    const exe = await fetch(`${serve.base}/api/media`, { method: 'PUT', body: PNG, headers: { ...auth(), 'Content-Type': 'image/x-unknown' } });
    expect(exe.status).toBe(400);
    expect(await exe.text()).toMatch(/pictures .* and videos/);
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
    const del = await fetch(`${serve.base}/api/media`, { method: 'DELETE', headers: auth() });
    expect(del.status).toBe(405);
  });
});
