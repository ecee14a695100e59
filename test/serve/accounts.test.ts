/**
 * Accounts, roles and HTTPS in serve mode, on real serve processes: users added with the real
 * `--add-user` command (password on stdin), HTTPS with a certificate made at test time
 * (selfsigned, test/support/tls-cert.ts), real HTTP and WebSocket clients that trust only it.
 * The routes and messages tried are those of the access table itself (src/serve/access.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS, WS_METHOD_ACCESS } from '../../src/serve/access';
import { MAX_FAILURES } from '../../src/serve/login-limiter';
import { USERS_FILE_NAME } from '../../src/serve/users';
import { WS_PROTOCOL } from '../../src/shared/contracts/ws';
import { rawRequest, ROOT, startServe, TestClient, type ServeProcess } from './helpers';
import { untilValue } from '../support/process';
import { serveCommand } from '../support/serve-process';
import { makeTestCertificate, type TestCertificate } from '../support/tls-cert';
import { tempDir } from '../support/tmp';
import { onPath } from '../support/system-tools';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request over a fresh connection; over HTTPS it trusts `ca` only. */
function call(base: string, method: string, pathname: string, options: { headers?: Record<string, string>; body?: string | Buffer; ca?: string } = {}): Promise<Answer> {
  const url = new URL(pathname, base);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers: { Connection: 'close', ...options.headers }, ...(options.ca ? { ca: options.ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = (value: unknown) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });

/** The cookie a sign-in answer sets, as a Cookie header. */
function cookieOf(answer: Answer): string {
  const set = answer.headers['set-cookie']?.[0];
  if (!set) throw new Error(`no cookie was set (${answer.status} ${answer.body})`);
  return set.split(';')[0];
}

/** Runs `npm run serve -- --add-user NAME --role ROLE` with the password on stdin. */
async function addUser(configFile: string, name: string, role: string, password: string): Promise<{ status: number | null; stderr: string }> {
  const [command, args] = await serveCommand(['--add-user', name, '--role', role, '--config', configFile]);
  const run = spawnSync(command, args, { cwd: ROOT, input: `${password}\n`, encoding: 'utf8', timeout: 60_000 });
  return { status: run.status, stderr: run.stderr };
}

/** A concrete path for a route of the table. */
function samplePath(url: string): string {
  return url
    .replace('/*', '/')
    .replace(':id', '1733600000000-a1b2c3')
    .replace(':name', `${'ab'.repeat(32)}.png`);
}

const routes = Object.entries(ROUTE_ACCESS).map(([key, need]) => {
  const [method, url] = key.split(' ');
  return { method, url, path: samplePath(url), need };
});
const adminMethods = Object.entries(WS_METHOD_ACCESS).filter(([, role]) => role === 'admin').map(([method]) => method);

const ADMIN = { name: 'boss', password: 'boss-password-1' };
const VIEWER = { name: 'watcher', password: 'watcher-password-1' };

describe('serve mode over HTTPS with accounts', () => {
  let serve: ServeProcess;
  let cert: TestCertificate;
  let dir: string;
  let adminCookie: string;
  let viewerCookie: string;
  const clients: TestClient[] = [];
  const at = (method: string, pathname: string, options: Parameters<typeof call>[3] = {}) => call(serve.base, method, pathname, { ca: cert.cert, ...options });
  const signIn = async (user: { name: string; password: string }) => {
    const answer = await at('POST', '/api/login', json(user));
    expect(answer.status).toBe(200);
    return answer;
  };
  const openWs = async (cookie: string) => {
    const client = await TestClient.open(`${serve.wsBase}/ws`, { Cookie: cookie }, { ca: cert.cert, protocols: [WS_PROTOCOL] });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    dir = tempDir('multicam-accounts-');
    cert = await makeTestCertificate(dir);
    const configFile = path.join(dir, 'config.json');
    expect(await addUser(configFile, ADMIN.name, 'admin', ADMIN.password)).toMatchObject({ status: 0 });
    expect(await addUser(configFile, VIEWER.name, 'viewer', VIEWER.password)).toMatchObject({ status: 0 });
    serve = await startServe({ cameras: [] }, ['--tls-cert', cert.certFile, '--tls-key', cert.keyFile], dir);
    adminCookie = cookieOf(await signIn(ADMIN));
    viewerCookie = cookieOf(await signIn(VIEWER));
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.socket.terminate();
    serve?.kill();
  });

  it('--add-user keeps scrypt hashes, never the password, in a 0600 file; a short password adds nobody', async () => {
    const file = path.join(dir, USERS_FILE_NAME);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(ADMIN.password);
    expect(text).not.toContain(VIEWER.password);
    const users = (JSON.parse(text) as { users: Array<{ name: string; role: string; scrypt: { N: number; salt: string; hash: string } }> }).users;
    expect(users.map((u) => [u.name, u.role])).toEqual([
      [ADMIN.name, 'admin'],
      [VIEWER.name, 'viewer'],
    ]);
    expect(users[0].scrypt.N).toBeGreaterThanOrEqual(16384);
    expect(users[0].scrypt.salt).not.toBe(users[1].scrypt.salt);
    const short = await addUser(path.join(dir, 'config.json'), 'shorty', 'viewer', 'abc');
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/at least 8 characters; no user added/);
    expect(readFileSync(file, 'utf8')).toBe(text);
    // Users exist: no setup link.
    expect(serve.output()).not.toMatch(/create the first admin/);
  });

  // Python's pty module gives the command a real terminal; without python3 this one case is skipped.
  it.skipIf(!onPath('python3'))('--add-user on a terminal asks twice and shows nothing of the password', async () => {
    const [command, args] = await serveCommand(['--add-user', 'typist', '--role', 'viewer', '--config', path.join(dir, 'config.json')]);
    const driver = path.join(ROOT, 'test', 'support', 'answer-on-tty.py');
    const run = spawnSync('python3', [driver, 'password: ', 'typed-password-1', 'password again: ', 'typed-password-1', '--', command, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('password again: ');
    expect(run.stdout).toMatch(/added viewer typist/);
    expect(run.stdout).not.toContain('typed-password');
    expect(await at('POST', '/api/login', json({ name: 'typist', password: 'typed-password-1' }))).toMatchObject({ status: 200 });
  });

  it('serves nothing without a login: every route but the page is 401, and plain HTTP gets no answer', async () => {
    expect(serve.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\?token=/);
    for (const route of routes.filter((r) => r.need !== 'public')) {
      const answer = await at(route.method, route.path, route.method === 'PUT' ? { headers: { 'Content-Type': 'image/png' }, body: 'x' } : {});
      expect(answer.status, `${route.method} ${route.path}`).toBe(401);
    }
    await expect(TestClient.open(`${serve.wsBase}/ws`, {}, { ca: cert.cert, protocols: [WS_PROTOCOL] })).rejects.toMatchObject({ statusCode: 401 });
    // The page (the sign-in form) is public. (503 while cli.test.ts, which may run beside this file,
    // has the built page moved aside: "not built" is still no refusal.)
    const page = await at('GET', '/');
    expect([200, 503]).toContain(page.status);
    if (page.status === 200) expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(await at('GET', '/api/session')).toMatchObject({ status: 401 });
    // The TLS port does not speak plain HTTP.
    const plain = await rawRequest(serve.port, `GET /api/stats?token=${serve.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    expect(plain.raw).not.toMatch(/^HTTP\/1\.1 2/);
    expect(plain.raw).not.toContain('cameras');
    // The token stays an admin credential for automation.
    expect(await at('GET', '/metrics', { headers: { Authorization: `Bearer ${serve.token}` } })).toMatchObject({ status: 200 });
  });

  it('a second serve mode on its port says an instance of serve mode holds it, over TLS too', async () => {
    const [command, args] = await serveCommand(['--port', String(serve.port), '--config', path.join(tempDir('multicam-serve-'), 'config.json')]);
    const second = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`port ${serve.port} on 127\\.0\\.0\\.1 is taken: another instance of serve mode is running there`));
  });

  it('signs in with a cookie that is HttpOnly, Secure, SameSite=Strict and host-only; a wrong password is refused', async () => {
    const answer = await signIn(VIEWER);
    const set = answer.headers['set-cookie']![0];
    expect(set).toMatch(/^__Host-multicam-session=[A-Za-z0-9_-]{43};/);
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/', 'Max-Age=43200']) expect(set.split('; ')).toContain(attribute);
    expect(set).not.toMatch(/Domain=/i);
    expect(JSON.parse(answer.body)).toEqual({ user: VIEWER.name, role: 'viewer' });
    const wrong = await at('POST', '/api/login', json({ name: VIEWER.name, password: 'not-the-password' }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const unknown = await at('POST', '/api/login', json({ name: 'nobody', password: 'not-the-password' }));
    expect(unknown).toMatchObject({ status: 401, body: wrong.body });
    expect(JSON.parse((await at('GET', '/api/session', { headers: { Cookie: cookieOf(answer) } })).body)).toEqual({ user: VIEWER.name, role: 'viewer', via: 'session' });
  });

  it('refuses a viewer (403) on every admin route of the table, and lets an admin through', async () => {
    const admin = routes.filter((r) => r.need === 'admin');
    expect(admin.length).toBeGreaterThanOrEqual(3);
    for (const route of admin) {
      const body = route.method === 'PUT' ? { headers: { 'Content-Type': 'image/png' }, body: 'not a picture' } : {};
      const asViewer = await at(route.method, route.path, { ...body, headers: { ...body.headers, Cookie: viewerCookie } });
      expect(asViewer.status, `${route.method} ${route.path} as a viewer`).toBe(403);
      expect(asViewer.body).toMatch(/forbidden: .* needs the admin role; you are signed in as a viewer/);
      const asAdmin = await at(route.method, route.path, { ...body, headers: { ...body.headers, Cookie: adminCookie } });
      expect([401, 403], `${route.method} ${route.path} as an admin`).not.toContain(asAdmin.status);
    }
    // What a viewer may do, it can.
    for (const route of routes.filter((r) => r.need === 'viewer' && r.url !== '/ws')) {
      const answer = await at(route.method, route.path, { headers: { Cookie: viewerCookie } });
      expect([401, 403], `${route.method} ${route.path} as a viewer`).not.toContain(answer.status);
    }
    expect(await at('GET', '/api/stats', { headers: { Cookie: viewerCookie } })).toMatchObject({ status: 200 });
  });

  it('refuses a viewer (403) on every admin WebSocket message, changing nothing, and lets an admin through', async () => {
    const before = readFileSync(serve.configFile, 'utf8');
    const viewer = await openWs(viewerCookie);
    expect(adminMethods.length).toBeGreaterThanOrEqual(8);
    for (const method of adminMethods) {
      const response = await viewer.request({ method });
      expect(response, method).toMatchObject({ ok: false, status: 403 });
      expect((response as { error: string }).error).toMatch(new RegExp(`forbidden: ${method} needs the admin role`));
    }
    // A full, valid request is refused the same way.
    const add = await viewer.request({ method: 'addCamera', camera: { id: 'cam-v', name: 'Viewer cam', model: 'face', source: { kind: 'webcam' } } });
    expect(add).toMatchObject({ ok: false, status: 403 });
    expect(await viewer.request({ method: 'getConfig' })).toMatchObject({ ok: true, value: { cameras: [] } });
    expect(await viewer.request({ method: 'getEventsStatus' })).toMatchObject({ ok: true });
    expect(readFileSync(serve.configFile, 'utf8')).toBe(before);
    const admin = await openWs(adminCookie);
    expect(await admin.request({ method: 'reorderCameras', ids: [] })).toMatchObject({ ok: true });
  });

  it('logout ends the session, clears the cookie and closes its WebSocket', async () => {
    const cookie = cookieOf(await signIn(VIEWER));
    const socket = await openWs(cookie);
    expect(await socket.request({ method: 'getSnapshot' })).toMatchObject({ ok: true });
    const out = await at('POST', '/api/logout', { headers: { Cookie: cookie } });
    expect(out.status).toBe(200);
    expect(out.headers['set-cookie']![0]).toMatch(/^__Host-multicam-session=; Max-Age=0;/);
    expect(await socket.closed).toBe(1008);
    expect(await at('GET', '/api/stats', { headers: { Cookie: cookie } })).toMatchObject({ status: 401 });
    // Other sessions go on.
    expect(await at('GET', '/api/stats', { headers: { Cookie: viewerCookie } })).toMatchObject({ status: 200 });
  });
});

describe('serve mode with no user yet, a short session and repeated failures', () => {
  let serve: ServeProcess;
  const at = (method: string, pathname: string, options: Parameters<typeof call>[3] = {}) => call(serve.base, method, pathname, options);

  beforeAll(async () => {
    serve = await startServe({ cameras: [] }, ['--session-ttl', '2s']);
  }, 120_000);
  afterAll(() => serve?.kill());

  it('prints a one-time link that creates the first admin, once', async () => {
    const link = await untilValue('the setup link on stderr', () => /create the first admin \(one-time link\): (http:\/\/\S+\/setup\?code=([A-Za-z0-9_-]+))/.exec(serve.output()));
    expect(await at('GET', '/api/session')).toMatchObject({ status: 401, body: JSON.stringify({ error: 'not signed in', setup: true }) });
    expect(await at('POST', '/api/setup', json({ code: 'wrong-code-000000', name: 'first', password: 'first-password' }))).toMatchObject({ status: 401 });
    const made = await at('POST', '/api/setup', json({ code: link![2], name: 'first', password: 'first-password' }));
    expect(made.status).toBe(200);
    expect(JSON.parse(made.body)).toEqual({ user: 'first', role: 'admin' });
    expect(made.headers['set-cookie']![0]).toMatch(/^multicam-session=.*; Max-Age=2; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(await at('POST', '/api/setup', json({ code: link![2], name: 'second', password: 'second-password' }))).toMatchObject({ status: 409 });
    expect(await at('POST', '/api/login', json({ name: 'first', password: 'first-password' }))).toMatchObject({ status: 200 });
  });

  it('takes a user added while it runs at the next sign-in', async () => {
    expect(await addUser(serve.configFile, 'later', 'viewer', 'later-password')).toMatchObject({ status: 0 });
    const answer = await at('POST', '/api/login', json({ name: 'later', password: 'later-password' }));
    expect(answer).toMatchObject({ status: 200, body: JSON.stringify({ user: 'later', role: 'viewer' }) });
  });

  it('ends a session when it expires: its requests are 401 and its WebSockets are closed', async () => {
    // A socket opened with a live session (signing in again if the machine was too slow for 2 s).
    // Two sockets opened with a live session (signing in again if the machine was too slow for 2 s).
    const { cookie, client, listener } = await untilValue('two WebSockets opened within their session', async () => {
      const cookie = cookieOf(await at('POST', '/api/login', json({ name: 'first', password: 'first-password' })));
      try {
        const open = () => TestClient.open(`${serve.wsBase}/ws`, { Cookie: cookie }, { protocols: [WS_PROTOCOL] });
        return { cookie, client: await open(), listener: await open() };
      } catch {
        return undefined;
      }
    });
    await untilValue('the session to expire', async () => (await at('GET', '/api/stats', { headers: { Cookie: cookie } })).status === 401);
    // One that sends is closed at its message; one that only listens at the server's next heartbeat.
    client.socket.send(JSON.stringify({ kind: 'request', id: 1, request: { method: 'getSnapshot' } }));
    expect(await client.closed).toBe(1008);
    expect(await listener.closed).toBe(1008);
  }, 90_000);

  it(`locks an address out after ${MAX_FAILURES} failed sign-ins, even for the right password; the token still works`, async () => {
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect(await at('POST', '/api/login', json({ name: 'first', password: `wrong-${i}` }))).toMatchObject({ status: 401 });
    }
    const locked = await at('POST', '/api/login', json({ name: 'first', password: 'first-password' }));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.headers['set-cookie']).toBeUndefined();
    expect(serve.stderr()).toMatch(/is locked out of signing in/);
    expect(await at('GET', '/api/stats', { headers: { Authorization: `Bearer ${serve.token}` } })).toMatchObject({ status: 200 });
  });
});
