/**
 * Events on disk: rows in SQLite, snapshots as files beside it. Every write of a snapshot happens
 * before the row that mentions it commits. Opening the store closes events a crash left open and
 * sweeps orphan files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Box } from '../../shared/contracts/frames';
import type { EventQuery, EventRecord } from '../../shared/contracts/events';
import { ensureDataDir } from '../../node/files';
import { scalar, type Db } from './db';
import { openDatabaseFile, type OpenedDatabase } from './db-file';
import { SnapshotFiles, type SnapshotKind } from './files';
import { decodeCursor, encodeCursor } from './cursor';

export const DB_FILE = 'events.db';
export const SNAPSHOT_DIR = 'snapshots';

export interface NewEvent {
  id: string;
  camera: string;
  cameraName: string;
  label: string;
  start: number;
  lastSeen: number;
  score: number;
  box: Box;
  zones: string[];
}

export interface EventPatch {
  lastSeen: number;
  score: number;
  box: Box;
  zones: string[];
}

export interface Jpegs {
  snapshot: Uint8Array;
  crop?: Uint8Array;
}

interface Row {
  id: string;
  camera: string;
  camera_name: string;
  label: string;
  start: number;
  end: number | null;
  score: number;
  box: string;
  zones: string;
  has_snapshot: number;
  has_clip: number;
}

/** Where an event's clip is served (src/serve/recording-routes.ts). */
export function clipUrl(id: string): string {
  return `/api/events/${id}/clip.mp4`;
}

export function snapshotUrl(id: string, kind: SnapshotKind = 'snapshot'): string {
  return `/api/events/${id}/${kind}.jpg`;
}

function toRecord(r: Row): EventRecord {
  return {
    id: r.id,
    camera: r.camera,
    cameraName: r.camera_name,
    label: r.label,
    start: r.start,
    end: r.end,
    score: r.score,
    box: JSON.parse(r.box) as Box,
    zones: JSON.parse(r.zones) as string[],
    snapshot: r.has_snapshot ? snapshotUrl(r.id) : null,
    clip: r.has_clip ? clipUrl(r.id) : null,
  };
}

// An event has a clip when a catalogued recording segment overlaps it.
const COLUMNS = `id, camera, camera_name, label, start, end, score, box, zones, has_snapshot,
  EXISTS (SELECT 1 FROM segments s WHERE s.camera = events.camera AND s.end > events.start AND s.start <= COALESCE(events.end, events.last_seen)) AS has_clip`;

export class EventStore {
  /** Events a previous run left open, closed at their last sighting when this store opened. */
  readonly closedOnOpen: number;
  /** Where a database that could not be used was moved when this store opened, or null. */
  readonly movedAside: OpenedDatabase['movedAside'];

  private constructor(
    readonly dir: string,
    /** The events database; recording's catalogue (src/engine/recording) keeps its table here too. */
    readonly db: Db,
    readonly files: SnapshotFiles,
    opened: { closedOnOpen: number; movedAside: OpenedDatabase['movedAside'] },
  ) {
    this.closedOnOpen = opened.closedOnOpen;
    this.movedAside = opened.movedAside;
    const withFiles = new Set((db.prepare('SELECT id FROM events WHERE has_snapshot = 1').raw().all() as string[][]).map((r) => r[0]));
    this.files.sweep((id) => withFiles.has(id));
  }

  /**
   * Opens the store in `dir` (made 0700 when missing). A corrupt database is moved aside and a new
   * one made (see movedAside); a symlinked events.db or snapshots, a full disk or an unwritable
   * folder throw.
   */
  static open(dir: string): EventStore {
    ensureDataDir(dir);
    const files = new SnapshotFiles(path.join(dir, SNAPSHOT_DIR));
    const opened = openDatabaseFile(path.join(dir, DB_FILE), (db) => db.prepare('UPDATE events SET end = last_seen WHERE end IS NULL').run().changes);
    try {
      return new EventStore(dir, opened.db, files, { closedOnOpen: opened.checked, movedAside: opened.movedAside });
    } catch (err) {
      opened.db.close();
      throw err;
    }
  }

  insert(ev: NewEvent, jpegs?: Jpegs): void {
    const bytes = jpegs ? this.files.write(ev.id, jpegs.snapshot, jpegs.crop) : 0;
    this.db
      .prepare(
        `INSERT INTO events (id, camera, camera_name, label, start, end, last_seen, score, box, zones, has_snapshot, bytes)
         VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)`,
      )
      .run(ev.id, ev.camera, ev.cameraName, ev.label, ev.start, ev.lastSeen, ev.score, JSON.stringify(ev.box), JSON.stringify(ev.zones), jpegs ? 1 : 0, bytes);
  }

  /** Newer score, box or zones; with jpegs the files are replaced first. */
  update(id: string, patch: EventPatch, jpegs?: Jpegs): boolean {
    const bytes = jpegs ? this.files.write(id, jpegs.snapshot, jpegs.crop) : null;
    const sql = `UPDATE events SET last_seen = ?, score = ?, box = ?, zones = ?${bytes === null ? '' : ', has_snapshot = 1, bytes = ?'} WHERE id = ?`;
    const params: unknown[] = [patch.lastSeen, patch.score, JSON.stringify(patch.box), JSON.stringify(patch.zones)];
    if (bytes !== null) params.push(bytes);
    return this.db.prepare(sql).run(...params, id).changes > 0;
  }

  end(id: string, end: number, patch: EventPatch): boolean {
    return (
      this.db
        .prepare('UPDATE events SET end = ?, last_seen = ?, score = ?, box = ?, zones = ? WHERE id = ?')
        .run(end, patch.lastSeen, patch.score, JSON.stringify(patch.box), JSON.stringify(patch.zones), id).changes > 0
    );
  }

  /** Closes every open event of a camera (its worker restarted or went away). */
  endOpen(camera: string | null): number {
    const sql = 'UPDATE events SET end = last_seen WHERE end IS NULL' + (camera === null ? '' : ' AND camera = ?');
    return this.db.prepare(sql).run(...(camera === null ? [] : [camera])).changes;
  }

  get(id: string): EventRecord | undefined {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE id = ?`).get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Newest first, by start then id; `next` is the cursor of the page after this one, `total` how many match in all pages. */
  query(q: EventQuery): { events: EventRecord[]; next: string | null; total: number } {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]) => {
      where.push(clause);
      params.push(...values);
    };
    if (q.camera) add('camera = ?', q.camera);
    if (q.cameras) add(q.cameras.length === 0 ? '0' : `camera IN (${q.cameras.map(() => '?').join(', ')})`, ...q.cameras);
    if (q.label) add('label = ?', q.label);
    if (q.zone) add('EXISTS (SELECT 1 FROM json_each(events.zones) WHERE value = ?)', q.zone);
    // An event is in [after, before) when it overlaps it: it started before `before` and had not ended by `after`.
    if (q.after !== undefined) add('(end IS NULL OR end >= ?)', q.after);
    if (q.before !== undefined) add('start < ?', q.before);
    const matching = where.length ? 'WHERE ' + where.join(' AND ') : '';
    const total = Number(scalar(this.db, `SELECT COUNT(*) FROM events ${matching}`, ...params));
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      add('(start < ? OR (start = ? AND id < ?))', c.start, c.start, c.id);
    }
    const sql = `SELECT ${COLUMNS} FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY start DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, q.limit + 1) as Row[];
    const page = rows.slice(0, q.limit).map(toRecord);
    const last = page[page.length - 1];
    return { events: page, next: rows.length > q.limit && last ? encodeCursor({ start: last.start, id: last.id }) : null, total };
  }

  /** Deletes the row, then its files (a crash between leaves orphans the next open sweeps). */
  delete(id: string): boolean {
    const removed = this.db.prepare('DELETE FROM events WHERE id = ?').run(id).changes > 0;
    if (removed) this.files.remove(id);
    return removed;
  }

  /** The snapshot file of an event that has one, or null. */
  snapshotFile(id: string, kind: SnapshotKind): string | null {
    const has = scalar(this.db, 'SELECT has_snapshot FROM events WHERE id = ?', id);
    if (!has) return null;
    const file = this.files.path(id, kind);
    return fs.existsSync(file) ? file : null;
  }

  /** Closed events, oldest first, that started before `before` (retention). */
  closedIdsBefore(before: number): string[] {
    return (this.db.prepare('SELECT id FROM events WHERE end IS NOT NULL AND start < ? ORDER BY start').raw().all(before) as string[][]).map((r) => r[0]);
  }

  /** Closed events oldest first with their bytes on disk, and the total of every event's bytes. */
  sizes(): { total: number; closed: { id: string; bytes: number }[] } {
    const total = Number(scalar(this.db, 'SELECT COALESCE(SUM(bytes), 0) FROM events'));
    const closed = (this.db.prepare('SELECT id, bytes FROM events WHERE end IS NOT NULL ORDER BY start, id').raw().all() as [string, number][]).map(
      ([id, bytes]) => ({ id, bytes }),
    );
    return { total, closed };
  }

  count(): number {
    return Number(scalar(this.db, 'SELECT COUNT(*) FROM events'));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
