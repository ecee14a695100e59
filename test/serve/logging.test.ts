/**
 * Serve mode's log (src/engine/logger.ts), read as a real serve process writes it to a pipe: JSON
 * lines, one record each. A camera's worker lines are records of that camera carrying its id and
 * its worker's pid; `--log-level` sets the least level written. The camera is a stream on a port
 * where nothing listens, so its ffmpeg says "Connection refused" and the worker passes it on.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { LEVEL } from '../support/log-capture';
import { untilValue } from '../support/process';
import { freePort } from '../support/rtsp-server';
import { startServe, type ServeProcess } from './helpers';

let serve: ServeProcess | undefined;
afterEach(() => serve?.kill());

async function startWithClosedCamera(level: string): Promise<ServeProcess> {
  const port = await freePort();
  return startServe({ cameras: [{ id: 'door', name: 'Door', source: { kind: 'stream', url: `rtsp://127.0.0.1:${port}/s` } }], settings: { sourceTimeoutMs: 5000 } }, ['--log-level', level]);
}

/** Waits until the camera's status says ffmpeg could not connect. */
async function untilRefused(s: ServeProcess): Promise<void> {
  await untilValue('the camera to report "Connection refused"', async () => {
    const text = await (await fetch(`${s.base}/api/stats`, { headers: { authorization: `Bearer ${s.token}` } })).text();
    return /Connection refused/.test(text);
  }, 60_000, 250);
}

/** A request naming a host this server is not: refused, and logged as a warning. */
function foreignHostRequest(s: ServeProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path: '/api/stats', headers: { host: 'elsewhere.example' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve mode log', () => {
  it('writes JSON lines; a worker line is a record of its camera with its pid; requests at debug without the token', async () => {
    serve = await startWithClosedCamera('debug');
    await untilRefused(serve);
    const s = serve;
    const line = await untilValue('the worker line in the log', () => s.records().find((r) => r.camera === 'door' && /Connection refused/.test(r.msg)), 30_000);
    expect(line.level).toBe(LEVEL.info);
    // ffmpeg's words, said by the worker: the camera and the source are fields, not a prefix.
    expect(line.from).toBe('ffmpeg');
    expect(line.msg.startsWith('[camera')).toBe(false);
    expect(Number.isInteger(line.pid) && line.pid! > 0).toBe(true);
    expect(line.pid).not.toBe(s.child.pid);
    const completed = await untilValue('a request completion at debug', () => s.records().find((r) => r.msg === 'request completed' && r.path === '/api/stats' && r.status === 200), 10_000);
    expect(completed.level).toBe(LEVEL.debug);
    expect(await s.terminate()).toBe(0);
    // Every stderr line is a record (nothing is plain text), and none carries the access token.
    const lines = s.stderr().split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(s.records().length);
    expect(s.stderr().includes(s.token)).toBe(false);
  }, 120_000);

  it('--log-level warn writes warnings and leaves out info', async () => {
    serve = await startWithClosedCamera('warn');
    await untilRefused(serve);
    const s = serve;
    expect([403, 421]).toContain(await foreignHostRequest(s));
    await untilValue('the refusal logged as a warning', () => s.records().some((r) => r.level === LEVEL.warn && r.msg.includes('refused a request for host')), 10_000);
    expect(await s.terminate()).toBe(0);
    const records = s.records();
    expect(records.filter((r) => r.level < LEVEL.warn)).toEqual([]);
    // Neither serve's own start lines nor the worker's line (both info) are there.
    expect(records.some((r) => r.msg.includes('events in') || r.camera === 'door')).toBe(false);
  }, 120_000);
});
