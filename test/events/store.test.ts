import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'libsql';
import { EventStore, DB_FILE } from '../../src/engine/events/store';
import { integrityCheck, openDatabase, SCHEMA_VERSION, scalar } from '../../src/engine/events/db';
import { enforceRetention } from '../../src/engine/events/retention';
import { BadCursorError } from '../../src/engine/events/cursor';
import { EventQuery } from '../../src/shared/contracts/events';
import { smallJpeg, tempDir } from './helpers';

const dirs: (() => void)[] = [];
const stores: EventStore[] = [];
afterEach(() => {
  stores.splice(0).forEach((s) => s.close());
  dirs.splice(0).forEach((r) => r());
});
function open(dir?: string) {
  let d = dir;
  if (!d) {
    const t = tempDir();
    dirs.push(t.remove);
    d = t.dir;
  }
  const s = EventStore.open(d);
  stores.push(s);
  return s;
}
const ev = (id: string, start: number, over: Record<string, unknown> = {}) => ({
  id,
  camera: 'cam1',
  cameraName: 'Porch',
  label: 'face',
  start,
  lastSeen: start,
  score: 0.8,
  box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 },
  zones: [] as string[],
  ...over,
});
const q = (o: Record<string, unknown> = {}) => EventQuery.parse(o);
const DAY = 86_400_000;

describe('EventStore', () => {
  it('creates the schema at the current version in WAL mode, and reopens without migrating again', () => {
    const s = open();
    s.close();
    const db = openDatabase(path.join(s.dir, DB_FILE));
    expect(Number(scalar(db, 'PRAGMA user_version'))).toBe(SCHEMA_VERSION);
    expect(scalar(db, 'PRAGMA journal_mode')).toBe('wal');
    expect(integrityCheck(db)).toBe('ok');
    db.close();
  });

  it('refuses a database from a newer schema', () => {
    const t = tempDir();
    dirs.push(t.remove);
    const db = new Database(path.join(t.dir, DB_FILE));
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    expect(() => EventStore.open(t.dir)).toThrow(/newer than this app knows/);
  });

  it('migrates labels stored by an older version to lowercase, and finds them by any case', () => {
    const s = open();
    s.insert(ev('1000-aaaaaa', 1000, { label: 'Person' }));
    s.insert(ev('2000-bbbbbb', 2000, { label: 'face' }));
    s.close();
    // As version 1 left it: the same table, labels as the model's label map wrote them.
    const db = new Database(path.join(s.dir, DB_FILE));
    db.exec('PRAGMA user_version = 1');
    db.close();
    const again = open(s.dir);
    expect(again.get('1000-aaaaaa')?.label).toBe('person');
    expect(again.query(q({ label: 'Person' })).events.map((e) => e.id)).toEqual(['1000-aaaaaa']);
    expect(again.query(q({ label: 'person' })).events.map((e) => e.id)).toEqual(['1000-aaaaaa']);
  });

  it('stores snapshot and crop files before the row and serves the record', () => {
    const s = open();
    const snap = smallJpeg();
    s.insert(ev('1000-aaaaaa', 1000, { zones: ['porch'] }), { snapshot: snap, crop: smallJpeg(8, 8) });
    const r = s.get('1000-aaaaaa')!;
    expect(r).toMatchObject({ id: '1000-aaaaaa', camera: 'cam1', cameraName: 'Porch', label: 'face', start: 1000, end: null, zones: ['porch'] });
    expect(r.snapshot).toBe('/api/events/1000-aaaaaa/snapshot.jpg');
    expect(fs.readFileSync(s.snapshotFile('1000-aaaaaa', 'snapshot')!)).toEqual(Buffer.from(snap));
    expect(fs.existsSync(s.snapshotFile('1000-aaaaaa', 'crop')!)).toBe(true);
    s.update('1000-aaaaaa', { lastSeen: 1500, score: 0.95, box: { x: 0.2, y: 0.2, w: 0.3, h: 0.4 }, zones: ['porch', 'yard'] });
    s.end('1000-aaaaaa', 2000, { lastSeen: 2000, score: 0.95, box: { x: 0.2, y: 0.2, w: 0.3, h: 0.4 }, zones: ['porch', 'yard'] });
    expect(s.get('1000-aaaaaa')).toMatchObject({ end: 2000, score: 0.95, zones: ['porch', 'yard'] });
    // Without a snapshot the record says so and there is no file to serve.
    s.insert(ev('1001-bbbbbb', 1001));
    expect(s.get('1001-bbbbbb')!.snapshot).toBeNull();
    expect(s.snapshotFile('1001-bbbbbb', 'snapshot')).toBeNull();
  });

  it('filters by camera, label, zone and time; pages newest first with a cursor', () => {
    const s = open();
    for (let i = 0; i < 25; i++) {
      s.insert(ev(`${1000 + i * 10}-${i.toString(16).padStart(6, '0')}`, 1000 + i * 10, {
        camera: i % 2 ? 'cam2' : 'cam1',
        label: i % 5 === 0 ? 'person' : 'face',
        zones: i % 3 === 0 ? ['door'] : [],
      }));
      s.end(`${1000 + i * 10}-${i.toString(16).padStart(6, '0')}`, 1005 + i * 10, { lastSeen: 1005 + i * 10, score: 0.8, box: ev('x', 0).box, zones: i % 3 === 0 ? ['door'] : [] });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = s.query(q({ limit: 10, ...(cursor ? { cursor } : {}) }));
      seen.push(...page.events.map((e) => e.id));
      // Every page says how many match in all: the cursor does not change it.
      expect(page.total).toBe(25);
      cursor = page.next ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(25);
    expect(seen).toEqual([...seen].sort((a, b) => parseInt(b) - parseInt(a)));
    expect(s.query(q({ camera: 'cam2' })).events.every((e) => e.camera === 'cam2')).toBe(true);
    expect(s.query(q({ camera: 'cam2' })).events).toHaveLength(12);
    expect(s.query(q({ camera: 'cam2', limit: 1 })).total).toBe(12);
    expect(s.query(q({ label: 'person' })).events.map((e) => e.start)).toEqual([1200, 1150, 1100, 1050, 1000]);
    expect(s.query(q({ zone: 'door' })).events).toHaveLength(9);
    // Overlapping [1100, 1130): events 10, 11, 12 (each lasts 5 ms; event 9 ended at 1095).
    expect(s.query(q({ after: 1100, before: 1130 })).events.map((e) => e.start)).toEqual([1120, 1110, 1100]);
    expect(s.query(q({ camera: 'cam1', label: 'face', zone: 'door' })).events.map((e) => e.start)).toEqual([1240, 1180, 1120, 1060]);
    expect(() => s.query(q({ cursor: 'bm90LWEtY3Vyc29y' }))).toThrow(BadCursorError);
  });

  it('filters by a camera group: any of its cameras, nothing for an empty group; a URL gives them comma-separated', () => {
    const s = open();
    ['cam1', 'cam2', 'cam3', 'cam1'].forEach((camera, i) => s.insert(ev(`${2000 + i}-00000${i}`, 2000 + i, { camera })));
    expect(s.query(q({ cameras: ['cam1', 'cam3'] })).events.map((e) => e.camera)).toEqual(['cam1', 'cam3', 'cam1']);
    expect(s.query(q({ cameras: 'cam2,cam3' })).events.map((e) => e.camera)).toEqual(['cam3', 'cam2']);
    expect(s.query(q({ cameras: [] })).total).toBe(0);
    expect(s.query(q({ cameras: '' })).total).toBe(0);
    // With a camera as well, both must hold.
    expect(s.query(q({ cameras: ['cam1'], camera: 'cam3' })).total).toBe(0);
    expect(s.query(q({ cameras: ['cam1', 'cam3'], camera: 'cam3' })).total).toBe(1);
  });

  it('deletes a row and its files; refuses path-like ids', () => {
    const s = open();
    s.insert(ev('1000-aaaaaa', 1000), { snapshot: smallJpeg(), crop: smallJpeg() });
    const file = s.snapshotFile('1000-aaaaaa', 'snapshot')!;
    expect(s.delete('1000-aaaaaa')).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
    expect(s.delete('1000-aaaaaa')).toBe(false);
    expect(() => s.files.path('../../etc/passwd', 'snapshot')).toThrow();
    expect(() => s.files.path('1000-aaaaaa/..', 'crop')).toThrow();
  });

  it('closes events left open, and sweeps orphan and temp files, when it opens', () => {
    const s = open();
    s.insert(ev('1000-aaaaaa', 1000, { lastSeen: 1700 }), { snapshot: smallJpeg() });
    fs.writeFileSync(path.join(s.files.dir, '999-cccccc.jpg'), 'orphan');
    fs.writeFileSync(path.join(s.files.dir, '1000-aaaaaa.jpg.tmp-123'), 'half');
    s.close();
    const again = open(s.dir);
    expect(again.closedOnOpen).toBe(1);
    expect(again.get('1000-aaaaaa')!.end).toBe(1700);
    expect(fs.readdirSync(again.files.dir).sort()).toEqual(['1000-aaaaaa.jpg']);
  });

  it('retention deletes closed events older than the limit with their files, never open ones', () => {
    const s = open();
    const now = 100 * DAY;
    s.insert(ev('1-aaaaaa', now - 10 * DAY), { snapshot: smallJpeg() });
    s.end('1-aaaaaa', now - 10 * DAY + 5, { lastSeen: 0, score: 0.8, box: ev('x', 0).box, zones: [] });
    s.insert(ev('2-aaaaaa', now - 9 * DAY), { snapshot: smallJpeg() }); // open: kept
    s.insert(ev('3-aaaaaa', now - DAY), { snapshot: smallJpeg() });
    s.end('3-aaaaaa', now - DAY + 5, { lastSeen: 0, score: 0.8, box: ev('x', 0).box, zones: [] });
    const oldFile = s.snapshotFile('1-aaaaaa', 'snapshot')!;
    expect(enforceRetention(s, { maxDays: 7, maxMB: null }, now)).toEqual({ byAge: 1, bySize: 0 });
    expect(s.get('1-aaaaaa')).toBeUndefined();
    expect(fs.existsSync(oldFile)).toBe(false);
    expect(s.get('2-aaaaaa')).toBeDefined();
    expect(s.get('3-aaaaaa')).toBeDefined();
  });

  it('retention deletes the oldest closed events until the snapshots fit the size cap', () => {
    const s = open();
    const big = new Uint8Array(300_000);
    big.set(smallJpeg().subarray(0, 2));
    for (let i = 0; i < 10; i++) {
      const id = `${1000 + i}-aaaaaa`;
      s.insert(ev(id, 1000 + i), { snapshot: big });
      s.end(id, 1000 + i, { lastSeen: 0, score: 0.8, box: ev('x', 0).box, zones: [] });
    }
    // 3 MB stored, cap 1 MB: the 7 oldest go.
    expect(enforceRetention(s, { maxDays: null, maxMB: 1 }, 2000)).toEqual({ byAge: 0, bySize: 7 });
    expect(s.query(q()).events.map((e) => e.start)).toEqual([1009, 1008, 1007]);
    expect(fs.readdirSync(s.files.dir)).toHaveLength(3);
  });
});
