/**
 * Serve mode starts whatever state its data folder is in, and touches only its own files there. A
 * real serve process each time (--data DIR), real files, real links, a real file camera:
 * - a `snapshots` folder holding the user's files (a photo, notes, a subfolder): all survive the
 *   start, only an orphan file of the app's own naming goes; the app's files are 0600 in 0700
 *   folders, unreferenced uploads are pruned and a config holding a password readable by others
 *   is warned about, then made 0600 when the app saves it;
 * - `snapshots` a symlink to another folder: that folder's files survive and the app says so;
 * - `events.db` a symlink: the target is not turned into a database;
 * - `events.db` 50 KB of random bytes: moved aside with its -wal and -shm, a new database made,
 *   a notice, and a file camera makes events;
 * - a full disk (a small tmpfs, filled; needs root to mount) and a read-only data folder: serve
 *   starts, says so, and the file camera's detection runs.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { EventPage, EventsStatus } from '../../src/shared/contracts/events';
import type { ApiEvent } from '../../src/shared/contracts/engine-api';
import type { StatsResponse } from '../../src/serve/metrics';
import { startServe, TestClient, type ServeProcess } from '../serve/helpers';
import { launchServe } from '../support/serve-process';
import { FACE_MJPEG } from '../support/clips';
import { untilValue } from '../support/process';
import { tempDir } from './helpers';
import { LEVEL } from '../support/log-capture';

const work = tempDir('multicam-serve-data-');
const running: ServeProcess[] = [];
const clients: TestClient[] = [];
const mounts: string[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.close();
  for (const s of running.splice(0)) {
    s.kill();
    await s.exited;
  }
});

afterAll(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  work.remove();
});

/** A fresh folder under the test's work folder. */
function folder(name: string): string {
  const dir = path.join(work.dir, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

/** The face clip on a loop, one thread, a few frames a second: a light engine-side camera. */
const FILE_CAMERA = { id: 'clip', name: 'Clip', source: { kind: 'file', path: FACE_MJPEG, loop: true }, maxFps: 5 };
const LIGHT = { threadsPerInterpreter: 1 };

async function serveWith(config: unknown, data: string, configDir = folder(`config-${running.length}-${randomBytes(3).toString('hex')}`)): Promise<ServeProcess> {
  const s = await startServe(config, ['--data', data], configDir);
  running.push(s);
  return s;
}

async function api<T>(s: ServeProcess, p: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${s.base}${p}`, { headers: { authorization: `Bearer ${s.token}` } });
  return { status: res.status, body: (await res.json()) as T };
}

async function connect(s: ServeProcess): Promise<TestClient> {
  const c = await TestClient.open(`${s.wsBase}/ws?token=${s.token}`);
  clients.push(c);
  return c;
}

async function eventsStatus(s: ServeProcess): Promise<EventsStatus> {
  const c = await connect(s);
  const r = await c.request({ method: 'getEventsStatus' });
  if (!r.ok) throw new Error(r.error);
  return r.value as EventsStatus;
}

/** The notice matching `test` that a page gets when it connects (kept notices follow the first snapshot). */
async function noticeMatching(s: ServeProcess, test: (message: string) => boolean, what: string): Promise<string> {
  const c = await connect(s);
  const m = await c.waitFor((m) => m.kind === 'event' && m.event.type === 'notice' && test(m.event.notice.message), what);
  return ((m as Extract<typeof m, { kind: 'event' }>).event as Extract<ApiEvent, { type: 'notice' }>).notice.message;
}

/** The file camera is running and has inferred frames: detection goes on. */
async function detecting(s: ServeProcess): Promise<void> {
  await untilValue(
    'the file camera to run and infer frames',
    async () => {
      const cam = (await api<StatsResponse>(s, '/api/stats')).body.cameras.find((c) => c.name === 'Clip');
      return cam?.state === 'running' && cam.framesInferred > 0;
    },
    120_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nserve's log:\n${s.stderr()}`);
  });
}

describe('serve mode and its data folder', () => {
  it('the user’s files in DATA/snapshots survive a start; the app’s own files are private; unreferenced uploads go', async () => {
    const data = path.join(folder('foreign'), 'data');
    const snapshots = path.join(data, 'snapshots');
    fs.mkdirSync(path.join(snapshots, '2023-trip'), { recursive: true, mode: 0o755 });
    fs.chmodSync(snapshots, 0o755);
    fs.writeFileSync(path.join(snapshots, 'holiday.jpg'), 'a holiday photo');
    fs.writeFileSync(path.join(snapshots, 'notes.txt'), 'notes');
    fs.writeFileSync(path.join(snapshots, '2023-trip', 'beach.jpg'), 'a beach');
    // A file of the app's own naming that no row refers to: the sweep still removes it.
    fs.writeFileSync(path.join(snapshots, '999-cccccc.jpg'), 'orphan');
    const media = path.join(data, 'media');
    fs.mkdirSync(media);
    const kept = `${'a'.repeat(64)}.png`;
    const unreferenced = `${'b'.repeat(64)}.png`;
    fs.writeFileSync(path.join(media, kept), 'kept');
    fs.writeFileSync(path.join(media, unreferenced), 'nobody refers to this');
    fs.writeFileSync(path.join(media, 'readme.txt'), 'not the app’s');

    const configDir = folder('foreign-config');
    const config = {
      // No id: serve assigns one and saves the config, so the app writes it.
      cameras: [{ name: 'Still', source: { kind: 'image', url: `media:${kept}` } }],
      events: { mqtt: { url: 'mqtt://127.0.0.1:1', username: 'cams', password: 'Secr3t pass' } },
    };
    const s = await serveWith(config, data, configDir);

    // The user's files are all there; the orphan of the app's naming went.
    expect(fs.readFileSync(path.join(snapshots, 'holiday.jpg'), 'utf8')).toBe('a holiday photo');
    expect(fs.readFileSync(path.join(snapshots, 'notes.txt'), 'utf8')).toBe('notes');
    expect(fs.readFileSync(path.join(snapshots, '2023-trip', 'beach.jpg'), 'utf8')).toBe('a beach');
    expect(fs.existsSync(path.join(snapshots, '999-cccccc.jpg'))).toBe(false);
    // Uploads: the unreferenced one went at start, the referenced one and the foreign file stay.
    expect(fs.readdirSync(media).sort()).toEqual([kept, 'readme.txt'].sort());

    // Modes: the app's folders 0700, its files 0600.
    expect(mode(snapshots)).toBe(0o700);
    const db = path.join(data, 'events.db');
    for (const f of [db, `${db}-wal`, `${db}-shm`, path.join(configDir, 'serve-token')]) expect(mode(f), f).toBe(0o600);

    // The config held a password and was readable by others: a warning, and the save made it 0600.
    const said = await noticeMatching(s, (n) => n.includes('holds a password'), 'the password warning');
    expect(said).toContain('mode 0644');
    expect(s.records().some((r) => r.level === LEVEL.warn && r.msg.includes('holds a password'))).toBe(true);
    const configFile = path.join(configDir, 'config.json');
    await untilValue('the config saved with the camera’s id', () => (JSON.parse(fs.readFileSync(configFile, 'utf8')) as { cameras: { id?: string }[] }).cameras[0]?.id);
    expect(mode(configFile)).toBe(0o600);

    // An upload is kept 0600.
    const up = await fetch(`${s.base}/api/media`, { method: 'PUT', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'image/png' }, body: new Uint8Array([1, 2, 3]) });
    expect(up.status).toBe(201);
    const { path: uploaded } = (await up.json()) as { path: string };
    expect(mode(uploaded)).toBe(0o600);
  }, 180_000);

  it('a data folder serve mode makes is 0700', async () => {
    const data = path.join(folder('fresh'), 'made-by-serve');
    await serveWith({ cameras: [] }, data);
    expect(mode(data)).toBe(0o700);
    expect(mode(path.join(data, 'snapshots'))).toBe(0o700);
  }, 180_000);

  it('`snapshots` and `media` symlinks to other folders are not followed: those folders’ files survive, and the app says so', async () => {
    const elsewhere = folder('elsewhere');
    fs.writeFileSync(path.join(elsewhere, 'holiday.jpg'), 'a holiday photo');
    fs.writeFileSync(path.join(elsewhere, '999-cccccc.jpg'), 'named like an event file');
    fs.mkdirSync(path.join(elsewhere, '2023-trip'));
    fs.writeFileSync(path.join(elsewhere, '2023-trip', 'beach.jpg'), 'a beach');
    const data = folder('linked-snapshots');
    fs.symlinkSync(elsewhere, path.join(data, 'snapshots'));
    const before = fs.readdirSync(elsewhere).sort();
    // `media` a link too, to a folder holding an upload no camera refers to: not pruned through it.
    const otherMedia = folder('elsewhere-media');
    const upload = `${'c'.repeat(64)}.png`;
    fs.writeFileSync(path.join(otherMedia, upload), 'an upload');
    fs.symlinkSync(otherMedia, path.join(data, 'media'));

    const s = await serveWith({ cameras: [] }, data);
    expect(fs.readdirSync(elsewhere).sort()).toEqual(before);
    expect(fs.readFileSync(path.join(elsewhere, '999-cccccc.jpg'), 'utf8')).toBe('named like an event file');
    expect(fs.readFileSync(path.join(elsewhere, '2023-trip', 'beach.jpg'), 'utf8')).toBe('a beach');
    expect(fs.lstatSync(path.join(data, 'snapshots')).isSymbolicLink()).toBe(true);

    const status = await eventsStatus(s);
    expect(status.storage.available).toBe(false);
    expect(status.storage.error).toMatch(/snapshots is a symbolic link/);
    expect(await noticeMatching(s, (n) => /snapshots is a symbolic link/.test(n), 'the link notice')).toMatch(/Events cannot be stored/);
    expect(fs.readFileSync(path.join(otherMedia, upload), 'utf8')).toBe('an upload');
    expect(await noticeMatching(s, (n) => /media is a symbolic link/.test(n), 'the media link notice')).toMatch(/not pruned/);
    const listed = await api<{ error: string }>(s, '/api/events');
    expect(listed.status).toBe(503);
    expect(listed.body.error).toMatch(/symbolic link/);
  }, 180_000);

  it('a symlinked events.db is refused: the file it points at is not turned into a database', async () => {
    const target = path.join(folder('db-target'), 'diary.txt');
    fs.writeFileSync(target, 'dear diary\n');
    const data = folder('linked-db');
    fs.symlinkSync(target, path.join(data, 'events.db'));

    const s = await serveWith({ cameras: [] }, data);
    const status = await eventsStatus(s);
    expect(fs.readFileSync(target, 'utf8')).toBe('dear diary\n');
    expect(fs.existsSync(`${target}-wal`)).toBe(false);
    expect(status.storage.available).toBe(false);
    expect(status.storage.error).toMatch(/events\.db is a symbolic link/);
  }, 180_000);

  it('a corrupt events.db (50 KB of random bytes) is moved aside, a new one made, and a file camera makes events', async () => {
    const data = folder('corrupt');
    const junk = randomBytes(50 * 1024);
    fs.writeFileSync(path.join(data, 'events.db'), junk);
    fs.writeFileSync(path.join(data, 'events.db-wal'), 'a stale wal');

    const s = await serveWith({ cameras: [FILE_CAMERA], settings: LIGHT }, data);
    const aside = fs.readdirSync(data).filter((n) => /^events\.corrupt-.+\.db$/.test(n));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(data, aside[0])).equals(junk)).toBe(true);
    expect(fs.readFileSync(path.join(data, `${aside[0]}-wal`), 'utf8')).toBe('a stale wal');

    const status = await eventsStatus(s);
    expect(status.storage.available).toBe(true);
    expect(status.storage.error).toContain(aside[0]);
    expect(await noticeMatching(s, (n) => n.includes(`moved aside as ${aside[0]}`), 'the moved-aside notice')).toMatch(/a new one was created/);

    await detecting(s);
    const page = await untilValue(
      'an event in the new database',
      async () => {
        const r = await api<EventPage>(s, '/api/events');
        return r.status === 200 && r.body.events.length > 0 && r.body;
      },
      120_000,
      200,
    );
    expect(page.events[0]).toMatchObject({ camera: 'clip', label: 'face' });
    expect(mode(path.join(data, 'snapshots', `${page.events[0].id}.jpg`))).toBe(0o600);
  }, 300_000);

  const canMount = (() => {
    if (process.getuid?.() !== 0) return false;
    const probe = folder('mount-probe');
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
      execFileSync('umount', [probe], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!canMount)('a full disk (a small tmpfs, filled): serve starts, says so, and detection runs (needs root to mount a tmpfs)', async () => {
    const data = folder('full');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', data]);
    mounts.push(data);
    // Fill it to the last byte.
    const fd = fs.openSync(path.join(data, 'filler'), 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096));
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(fd);
    }

    const s = await serveWith({ cameras: [FILE_CAMERA], settings: LIGHT }, data);
    const status = await eventsStatus(s);
    expect(status.storage.available).toBe(false);
    expect(status.storage.error).toMatch(/the disk is full/);
    await detecting(s);
  }, 300_000);

  // Root writes whatever the mode says; without a read-only mount there is no folder root cannot write.
  const canRefuse = canMount || process.getuid?.() !== 0;
  it.skipIf(!canRefuse)('a read-only folder for config, token and data: serve starts, says so, and detection runs (as root, needs a read-only tmpfs mount)', async () => {
    const dir = folder('read-only');
    const configFile = path.join(dir, 'config.json');
    if (canMount) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
      mounts.push(dir);
    }
    // No id on the camera: serve assigns one and tries to save the config.
    fs.writeFileSync(configFile, JSON.stringify({ cameras: [{ ...FILE_CAMERA, id: undefined }], settings: LIGHT }));
    // Root may write anywhere a mode allows nothing: a read-only mount refuses even root.
    if (canMount) execFileSync('mount', ['-o', 'remount,ro', dir]);
    else fs.chmodSync(dir, 0o500);

    const launched = await launchServe({ configFile, args: ['--data', dir] });
    const url = new URL(launched.url);
    const s = {
      ...launched,
      base: url.origin,
      wsBase: `ws://${url.host}`,
      token: url.searchParams.get('token')!,
      kill: () => launched.killGroup('SIGKILL'),
    } as unknown as ServeProcess;
    running.push(s);
    expect(launched.records().some((r) => r.level === LEVEL.warn && /the token could not be kept in .*serve-token.*this URL works until serve mode stops/.test(r.msg))).toBe(true);
    const status = await eventsStatus(s);
    expect(status.storage.available).toBe(false);
    expect(status.storage.error).toMatch(/cannot be written/);
    expect(await noticeMatching(s, (n) => n.includes('could not save the configuration'), 'the config save notice')).toContain(configFile);
    await detecting(s);
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
  }, 300_000);
});
