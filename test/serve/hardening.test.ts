/**
 * What a security review probed on a running serve-mode instance, with raw requests (fetch would
 * fix up Host, paths and headers before sending): DNS rebinding through the Host header, Origin
 * against Host, the Host never echoed into the CSP unchecked, slow and idle connections, the
 * connection cap, and symlinks in the build folder.
 */
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/process';
import { rawRequest, ROOT, startServe, TestClient, type ServeProcess } from './helpers';

let serve: ServeProcess;

beforeAll(async () => {
  serve = await startServe({ cameras: [] }, ['--allow-host', 'box.test']);
}, 60_000);

afterAll(() => serve?.kill());

function request(pathname: string, headers: Record<string, string>): Promise<{ status: number; headers: string; body: string }> {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return rawRequest(serve.port, `GET ${pathname} HTTP/1.1\r\n${lines.join('')}Connection: close\r\n\r\n`);
}

const bearer = () => `Bearer ${serve.token}`;

describe('Host and Origin', () => {
  it('refuses a Host it does not answer to, even with the token (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${serve.port}`, `127.0.0.1.evil.example:${serve.port}`, 'localhost@evil.example', '']) {
      const res = await request('/api/stats', { Host: host, Authorization: bearer() });
      expect(res.status, host).toBe(421);
      expect(res.body).not.toContain('evil');
      expect(res.body).not.toContain('"cameras"');
    }
    // The page is refused too, so a rebinding name never reaches the CSP.
    const page = await request('/', { Host: `evil.example:${serve.port}`, Authorization: bearer() });
    expect(page.status).toBe(421);
    expect(page.headers.toLowerCase()).not.toContain('content-security-policy');
    // And so is a WebSocket upgrade.
    await expect(
      TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`, { Host: `evil.example:${serve.port}`, Origin: `http://evil.example:${serve.port}` }),
    ).rejects.toMatchObject({ statusCode: 421 });
  });

  it('answers to its own address, loopback names and --allow-host names; the CSP names only a checked host', async () => {
    for (const host of [`127.0.0.1:${serve.port}`, `localhost:${serve.port}`, `box.test:${serve.port}`, `BOX.test:${serve.port}`]) {
      expect((await request('/api/stats', { Host: host, Authorization: bearer() })).status, host).toBe(200);
    }
    const page = await request('/', { Host: `box.test:${serve.port}`, Authorization: bearer() });
    expect(page.status).toBe(200);
    expect(page.headers).toMatch(new RegExp(`content-security-policy: [^\\r\\n]*connect-src 'self' ws://box\\.test:${serve.port} wss://box\\.test:${serve.port}`, 'i'));
  });

  it('refuses an Origin that is not the origin its Host names', async () => {
    const host = `127.0.0.1:${serve.port}`;
    for (const origin of [`http://localhost:${serve.port}`, `http://box.test:${serve.port}`, 'http://evil.example', 'null', 'file://']) {
      const res = await request('/api/stats', { Host: host, Origin: origin, Authorization: bearer() });
      expect(res.status, origin).toBe(403);
    }
    expect((await request('/api/stats', { Host: host, Origin: `http://${host}`, Authorization: bearer() })).status).toBe(200);
    const viaName = await TestClient.open(`ws://127.0.0.1:${serve.port}/ws?token=${serve.token}`, { Host: `box.test:${serve.port}`, Origin: `http://box.test:${serve.port}` });
    expect((await viaName.request({ method: 'getConfig' })).ok).toBe(true);
    await viaName.close();
  });
});

describe('slow and idle connections', () => {
  it('answers 408 to a request whose headers never finish', async () => {
    // The server's headers timeout (5 s) answers; the client's own deadline only catches "never".
    const res = await rawRequest(serve.port, `GET /api/stats HTTP/1.1\r\nHost: 127.0.0.1:${serve.port}\r\nAuthorization: ${bearer()}\r\n`, 60_000);
    expect(res.status).toBe(408);
  }, 90_000);

  it('closes idle connections and caps how many are open; then a request with the token works', async () => {
    const sockets: Socket[] = [];
    let closed = 0;
    for (let i = 0; i < 200; i++) {
      const socket = connect({ host: '127.0.0.1', port: serve.port });
      socket.on('error', () => undefined);
      socket.resume(); // read what the server says (a 408), so its close is seen
      socket.on('close', () => closed++);
      sockets.push(socket);
    }
    try {
      // Past the cap (128) a connection is closed at once.
      await until(() => closed >= 200 - 128, 30_000, 'the connections past the cap to be closed');
      // The rest go by the server's timeouts (headers 5 s, idle 5 s after it); the deadline only
      // catches the ~86 s they used to be held.
      await until(() => closed === 200, 60_000, 'every idle connection to be closed');
      const res = await request('/api/stats', { Host: `127.0.0.1:${serve.port}`, Authorization: bearer() });
      expect(res.status).toBe(200);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  }, 120_000);
});

describe('static files', () => {
  it('does not follow a symlink out of the build folder', async () => {
    const built = path.join(ROOT, 'out', 'renderer-web');
    expect(existsSync(path.join(built, 'index.html'))).toBe(true);
    const fileLink = path.join(built, `leak-${process.pid}.json`);
    const dirLink = path.join(built, `leakdir-${process.pid}`);
    const inside = path.join(built, `inside-${process.pid}`);
    symlinkSync(path.join(ROOT, 'package.json'), fileLink);
    symlinkSync(ROOT, dirLink);
    mkdirSync(inside);
    symlinkSync(path.join(built, 'index.html'), path.join(inside, 'page.html'));
    try {
      const host = `127.0.0.1:${serve.port}`;
      for (const target of [`/leak-${process.pid}.json`, `/leakdir-${process.pid}/package.json`, `/leakdir-${process.pid}/`]) {
        const res = await request(target, { Host: host, Authorization: bearer() });
        expect(res.body, target).not.toContain('"multicam-recognition"');
        expect(res.body, target).not.toContain('"dependencies"');
      }
      expect((await request(`/leak-${process.pid}.json`, { Host: host, Authorization: bearer() })).status).toBe(404);
      // A symlink that stays inside the folder is still served.
      const ok = await request(`/inside-${process.pid}/page.html`, { Host: host, Authorization: bearer() });
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('<div id="root">');
    } finally {
      rmSync(fileLink, { force: true });
      rmSync(dirLink, { force: true });
      rmSync(inside, { recursive: true, force: true });
    }
  });
});
