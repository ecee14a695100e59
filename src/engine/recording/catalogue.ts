/**
 * The recording catalogue: one row per closed segment in the events database (a migration in
 * src/engine/events/db.ts), with its camera, start and end (ms since the epoch), size and path
 * below DATA/recordings. A segment gets its row only once ffmpeg has closed it; retention and
 * clips read only rows, so a file being written is never served or deleted.
 */
import type { Db } from '../events/db';
import { scalar } from '../events/db';

export interface Segment {
  id: number;
  camera: string;
  start: number;
  end: number;
  bytes: number;
  /** CAMERA/YYYY-MM-DD/HH/NAME below DATA/recordings. */
  path: string;
}

export type NewSegment = Omit<Segment, 'id'>;

const COLUMNS = 'id, camera, start, end, bytes, path';

/** Segments closer than this are one range (the next opens as the last closes). */
export const RANGE_GAP_MS = 1500;

export class SegmentCatalogue {
  constructor(private readonly db: Db) {}

  /** Adds a closed segment; false when its path is catalogued already. */
  add(segment: NewSegment): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO segments (camera, start, end, bytes, path) VALUES (?, ?, ?, ?, ?)')
        .run(segment.camera, segment.start, segment.end, segment.bytes, segment.path).changes > 0
    );
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM segments WHERE id = ?').run(id).changes > 0;
  }

  /** Every row's path and id (start-up reconciliation). */
  paths(): Map<string, number> {
    const rows = this.db.prepare('SELECT path, id FROM segments').raw().all() as [string, number][];
    return new Map(rows);
  }

  /** A camera's segments that overlap [from, to), oldest first. */
  overlapping(camera: string, from: number, to: number): Segment[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM segments WHERE camera = ? AND end > ? AND start < ? ORDER BY start`).all(camera, from, to) as Segment[];
  }

  /** Segments (all cameras) oldest first, `limit` at a time after `afterId`'s start (retention). */
  oldest(limit: number, camera?: string): Segment[] {
    const where = camera ? 'WHERE camera = ?' : '';
    return this.db.prepare(`SELECT ${COLUMNS} FROM segments ${where} ORDER BY start, id LIMIT ?`).all(...(camera ? [camera] : []), limit) as Segment[];
  }

  /** Segments that ended before `before`, oldest first. */
  endedBefore(before: number): Segment[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM segments WHERE end < ? ORDER BY start, id`).all(before) as Segment[];
  }

  totalBytes(): number {
    return Number(scalar(this.db, 'SELECT COALESCE(SUM(bytes), 0) FROM segments'));
  }

  count(camera?: string): number {
    return Number(camera ? scalar(this.db, 'SELECT COUNT(*) FROM segments WHERE camera = ?', camera) : scalar(this.db, 'SELECT COUNT(*) FROM segments'));
  }

  /** Recorded ranges overlapping [after, before): adjacent segments of a camera merged. */
  ranges(camera: string | undefined, after: number, before: number): { camera: string; start: number; end: number }[] {
    const params: unknown[] = [after, before];
    let sql = `SELECT camera, start, end FROM segments WHERE end > ? AND start < ?`;
    if (camera) {
      sql += ' AND camera = ?';
      params.push(camera);
    }
    const rows = this.db.prepare(`${sql} ORDER BY camera, start`).all(...params) as { camera: string; start: number; end: number }[];
    const out: { camera: string; start: number; end: number }[] = [];
    for (const row of rows) {
      const last = out[out.length - 1];
      if (last && last.camera === row.camera && row.start <= last.end + RANGE_GAP_MS) last.end = Math.max(last.end, row.end);
      else out.push({ ...row });
    }
    return out;
  }
}
