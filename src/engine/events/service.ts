/**
 * The engine's side of events: takes validated track messages from the cameras, turns each track
 * into an event (id, camera name), stores it with its snapshots, and tells listeners (renderers,
 * MQTT). Storage failing (unwritable directory, full disk) gives a notice; the message still
 * reaches the listeners and nothing is thrown back at the camera.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { EventChange, EventRecord, TrackMessage } from '../../shared/contracts/events';
import { clipUrl, EventStore, snapshotUrl, type Jpegs } from './store';
import { DEFAULT_RETENTION, enforceRetention, type RetentionPolicy } from './retention';

export interface EventNotice {
  level: 'warning' | 'error';
  message: string;
}

export interface EventServiceOptions {
  dataDir: string;
  cameraName: (cameraId: string) => string;
  onNotice: (notice: EventNotice) => void;
  retention?: RetentionPolicy;
  retentionEveryMs?: number;
  /** Whether a camera records (its events' messages then carry their clip's URL path). */
  recorded?: (cameraId: string) => boolean;
}

interface Live {
  trackId: number;
  record: EventRecord;
  lastSeen: number;
  stored: boolean;
}

const NOTICE_EVERY_MS = 60_000;

export function newEventId(start: number): string {
  return `${Math.max(0, Math.floor(start))}-${randomBytes(3).toString('hex')}`;
}

export class EventService {
  store: EventStore | null = null;
  private readonly live = new Map<string, Live>();
  private readonly listeners = new Set<(change: EventChange) => void>();
  private retention: RetentionPolicy;
  private timer: NodeJS.Timeout | null = null;
  private lastNoticeAt = new Map<string, number>();

  constructor(private readonly options: EventServiceOptions) {
    this.retention = options.retention ?? DEFAULT_RETENTION;
    try {
      this.store = EventStore.open(options.dataDir);
      const aside = this.store.movedAside;
      if (aside) {
        this.notice(
          'open',
          'warning',
          `The events database in ${options.dataDir} could not be used (${aside.why}); it was moved aside as ${path.basename(aside.file)} and a new one was created. Cameras keep running.`,
        );
      }
    } catch (err) {
      this.fail('open', err);
    }
    this.runRetention();
    this.timer = setInterval(() => this.runRetention(), options.retentionEveryMs ?? 10 * 60_000);
    this.timer.unref();
  }

  get available(): boolean {
    return this.store !== null;
  }

  onChange(listener: (change: EventChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setRetention(policy: RetentionPolicy): void {
    this.retention = policy;
    this.runRetention();
  }

  /** One message from a camera. Never throws. */
  handle(msg: TrackMessage): void {
    const t = msg.track;
    const key = `${t.cameraId}:${t.trackId}`;
    const jpegs: Jpegs | undefined = msg.snapshot ? { snapshot: msg.snapshot, crop: msg.crop } : undefined;
    const patch = { lastSeen: t.lastSeen, score: t.score, box: t.box, zones: t.zones };
    let live = this.live.get(key);
    if (msg.kind === 'start' || !live) {
      if (msg.kind !== 'start' && !live) return; // a track this engine never saw start (e.g. before a restart)
      const id = newEventId(t.start);
      const record: EventRecord = {
        id,
        camera: t.cameraId,
        cameraName: this.options.cameraName(t.cameraId),
        label: t.label,
        start: t.start,
        end: null,
        score: t.score,
        box: t.box,
        zones: t.zones,
        snapshot: null,
        clip: this.options.recorded?.(t.cameraId) ? clipUrl(id) : null,
      };
      live = { trackId: t.trackId, record, lastSeen: t.lastSeen, stored: false };
      this.live.set(key, live);
      live.stored = this.write('save', () => this.store?.insert({ ...record, lastSeen: t.lastSeen }, jpegs));
      if (live.stored && jpegs) record.snapshot = snapshotUrl(id);
      this.emit({ type: 'new', event: { ...record } });
      return;
    }
    const record = live.record;
    Object.assign(record, { score: t.score, box: t.box, zones: t.zones });
    live.lastSeen = t.lastSeen;
    if (msg.kind === 'update') {
      if (live.stored && this.write('save', () => this.store?.update(record.id, patch, jpegs)) && jpegs) record.snapshot = snapshotUrl(record.id);
      this.emit({ type: 'update', event: { ...record } });
    } else {
      record.end = t.lastSeen;
      if (live.stored) this.write('save', () => this.store?.end(record.id, t.lastSeen, patch));
      this.live.delete(key);
      this.emit({ type: 'end', event: { ...record } });
    }
  }

  /** A camera's worker stopped or restarted: its tracks are over. */
  endCamera(cameraId: string): void {
    for (const live of [...this.live.values()]) {
      if (live.record.camera !== cameraId) continue;
      this.handle({
        type: 'track',
        kind: 'end',
        track: {
          cameraId,
          trackId: live.trackId,
          label: live.record.label,
          start: live.record.start,
          lastSeen: live.lastSeen,
          score: live.record.score,
          box: live.record.box,
          zones: live.record.zones,
        },
      });
    }
  }

  /** Live events per camera and label (for the retained MQTT counts). */
  liveCount(cameraId: string, label: string): number {
    let n = 0;
    for (const l of this.live.values()) if (l.record.camera === cameraId && l.record.label === label) n++;
    return n;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const cameraId of new Set([...this.live.values()].map((l) => l.record.camera))) this.endCamera(cameraId);
    this.store?.close();
    this.store = null;
  }

  private runRetention(): void {
    this.write('retention', () => this.store && enforceRetention(this.store, this.retention));
  }

  private emit(change: EventChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.notice('listener', 'warning', `An event listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** Runs a storage step; a failure becomes a notice (at most one a minute per step). */
  private write(what: string, step: () => unknown): boolean {
    if (!this.store) return false;
    try {
      step();
      return true;
    } catch (err) {
      this.fail(what, err);
      return false;
    }
  }

  private fail(what: string, err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    const code = e.code ?? '';
    const why = /ENOSPC|SQLITE_FULL/.test(code + e.message)
      ? 'the disk is full'
      : /EACCES|EPERM|EROFS|READONLY|CANTOPEN|ENOTDIR|EEXIST/.test(code + e.message)
        ? 'the directory cannot be written'
        : e.message;
    const action = what === 'open' ? 'Events cannot be stored' : what === 'retention' ? 'Old events could not be deleted' : 'An event could not be saved';
    this.notice(what, 'error', `${action} in ${this.options.dataDir}: ${why}. Cameras keep running.`);
  }

  private notice(key: string, level: EventNotice['level'], message: string): void {
    const now = Date.now();
    if (now - (this.lastNoticeAt.get(key) ?? -Infinity) < NOTICE_EVERY_MS) return;
    this.lastNoticeAt.set(key, now);
    this.options.onNotice({ level, message });
  }
}
