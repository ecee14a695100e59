/**
 * Which segments go (docs/cameras.md#recording):
 * - event footage is a segment that overlaps an event's [start − pre, end + post] (an open event
 *   reaches to now); it is kept eventDays;
 * - other footage is kept continuousDays on a camera in 'continuous' mode, and goes as soon as no
 *   event can still reach back to it (pre seconds and one segment after it closed) on a camera in
 *   'events' mode;
 * - over maxGB, or with less than minFreePercent of the disk free, the oldest footage goes first,
 *   other footage before event footage.
 */
import type { Db } from '../events/db';
import type { Segment } from './catalogue';

export interface CameraRecordPolicy {
  mode: 'off' | 'events' | 'continuous';
  preSeconds: number;
  postSeconds: number;
}

export interface RetentionLimits {
  continuousDays: number;
  eventDays: number;
  maxGB: number | null;
  minFreePercent: number;
}

export interface DiskSpace {
  free: number;
  total: number;
}

export interface RetentionPlan {
  /** Segments to delete, each with why. */
  remove: { segment: Segment; why: 'events-mode' | 'age' | 'size' | 'free-space' }[];
  /** Bytes still over the budget once everything deletable is planned (0: within it). */
  shortBy: number;
}

const DAY_MS = 86_400_000;

/** A camera's segments with whether each is event footage, oldest first. */
export function classify(db: Db, camera: string, policy: CameraRecordPolicy, now: number, since = 0): (Segment & { event: boolean })[] {
  const rows = db
    .prepare(
      `SELECT s.id, s.camera, s.start, s.end, s.bytes, s.path,
         EXISTS (SELECT 1 FROM events e WHERE e.camera = s.camera AND e.start - ? < s.end AND COALESCE(e.end, ?) + ? > s.start) AS event
       FROM segments s WHERE s.camera = ? AND s.end > ? ORDER BY s.start, s.id`,
    )
    .all(policy.preSeconds * 1000, now, policy.postSeconds * 1000, camera, since) as (Segment & { event: number })[];
  return rows.map((r) => ({ ...r, event: r.event !== 0 }));
}

export function cameras(db: Db): string[] {
  return (db.prepare('SELECT DISTINCT camera FROM segments').raw().all() as string[][]).map((r) => r[0]);
}

/**
 * What to delete now. `policyOf` gives each camera's record settings (a camera no longer
 * configured keeps its footage as continuous footage). `disk` is the recordings disk's space, or
 * null when unknown. `segmentMs` is how long a segment is.
 */
export function planRetention(
  db: Db,
  limits: RetentionLimits,
  policyOf: (camera: string) => CameraRecordPolicy | null,
  now: number,
  disk: DiskSpace | null,
  segmentMs: number,
): RetentionPlan {
  const remove: RetentionPlan['remove'] = [];
  const kept: (Segment & { event: boolean })[] = [];
  for (const camera of cameras(db)) {
    const policy = policyOf(camera) ?? { mode: 'continuous', preSeconds: 0, postSeconds: 0 };
    for (const segment of classify(db, camera, policy, now)) {
      const { event, ...row } = segment;
      if (event && row.end < now - limits.eventDays * DAY_MS) remove.push({ segment: row, why: 'age' });
      else if (!event && row.end < now - limits.continuousDays * DAY_MS) remove.push({ segment: row, why: 'age' });
      else if (!event && policy.mode !== 'continuous' && row.end < now - policy.preSeconds * 1000 - segmentMs) remove.push({ segment: row, why: 'events-mode' });
      else kept.push(segment);
    }
  }
  const keptBytes = kept.reduce((sum, s) => sum + s.bytes, 0);
  const freed = remove.reduce((sum, r) => sum + r.segment.bytes, 0);
  let over = 0;
  let why: 'size' | 'free-space' = 'size';
  if (limits.maxGB !== null) over = keptBytes - limits.maxGB * 1e9;
  if (disk && disk.total > 0) {
    const short = (limits.minFreePercent / 100) * disk.total - (disk.free + freed);
    if (short > over) {
      over = short;
      why = 'free-space';
    }
  }
  if (over <= 0) return { remove, shortBy: 0 };
  // Oldest first, other footage before event footage.
  const order = [...kept.filter((s) => !s.event), ...kept.filter((s) => s.event)];
  for (const list of [order.filter((s) => !s.event), order.filter((s) => s.event)]) {
    list.sort((a, b) => a.start - b.start || a.id - b.id);
    for (const { event: _event, ...segment } of list) {
      if (over <= 0) break;
      remove.push({ segment, why });
      over -= segment.bytes;
    }
  }
  return { remove, shortBy: Math.max(0, over) };
}
