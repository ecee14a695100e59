import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import { EventService, type EventNotice } from '../../src/engine/events/service';
import { renderSnapshots, BOX_COLOUR, pixelRect } from '../../src/node/snapshot';
import type { EventChange } from '../../src/shared/contracts/events';
import { TrackMessage } from '../../src/shared/contracts/events';
import { smallJpeg, tempDir, track } from './helpers';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((c) => c()));

function service(dir: string) {
  const notices: EventNotice[] = [];
  const changes: EventChange[] = [];
  const s = new EventService({ dataDir: dir, cameraName: (id) => `Camera ${id}`, onNotice: (n) => notices.push(n) });
  s.onChange((c) => changes.push(c));
  cleanups.push(() => s.close());
  return { s, notices, changes };
}

describe('EventService', () => {
  it('live messages carry the clip’s URL path when the camera records; the stored row says clip once footage overlaps it', () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const changes: EventChange[] = [];
    const s = new EventService({ dataDir: t.dir, cameraName: (id) => id, onNotice: () => undefined, recorded: (id) => id === 'cam1' });
    cleanups.push(() => s.close());
    s.onChange((c) => changes.push(c));
    s.handle(track('start', 1, 10_000));
    s.handle(track('start', 2, 10_000, { cameraId: 'cam2' }));
    const [recorded, other] = changes.map((c) => c.event);
    expect(recorded.clip).toBe(`/api/events/${recorded.id}/clip.mp4`);
    expect(other.clip).toBeNull();
    s.handle(track('end', 1, 10_000, { lastSeen: 12_000 }));
    expect(s.store!.get(recorded.id)?.clip).toBeNull();
    s.store!.db.prepare('INSERT INTO segments (camera, start, end, bytes, path) VALUES (?, ?, ?, ?, ?)').run('cam1', 5_000, 15_000, 1, 'cam1/x');
    expect(s.store!.get(recorded.id)?.clip).toBe(`/api/events/${recorded.id}/clip.mp4`);
    expect(s.store!.get(other.id)?.clip).toBeNull();
  });

  it('turns a track into one stored event: new, update with a new snapshot, end', () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const { s, changes, notices } = service(t.dir);
    s.handle(track('start', 7, 1000));
    s.handle(track('update', 7, 1000, { lastSeen: 2000, score: 0.97, zones: ['door'] }));
    s.handle(track('end', 7, 1000, { lastSeen: 3000, score: 0.97, zones: ['door'] }));
    expect(changes.map((c) => c.type)).toEqual(['new', 'update', 'end']);
    const id = changes[0].event.id;
    expect(new Set(changes.map((c) => c.event.id))).toEqual(new Set([id]));
    expect(changes[2].event).toMatchObject({ camera: 'cam1', cameraName: 'Camera cam1', label: 'face', start: 1000, end: 3000, score: 0.97, zones: ['door'] });
    expect(s.store!.get(id)).toMatchObject({ end: 3000, score: 0.97, snapshot: `/api/events/${id}/snapshot.jpg` });
    expect(fs.existsSync(s.store!.snapshotFile(id, 'crop')!)).toBe(true);
    expect(notices).toEqual([]);
  });

  it('ends a camera’s live events when its worker goes away; ignores updates for tracks it never saw start', () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const { s, changes } = service(t.dir);
    s.handle(track('update', 99, 500));
    s.handle(track('start', 1, 1000));
    s.handle(track('start', 2, 1100, { cameraId: 'cam2' }));
    expect(s.liveCount('cam1', 'face')).toBe(1);
    s.endCamera('cam1');
    expect(changes.map((c) => `${c.type}:${c.event.camera}`)).toEqual(['new:cam1', 'new:cam2', 'end:cam1']);
    expect(s.liveCount('cam1', 'face')).toBe(0);
    expect(s.liveCount('cam2', 'face')).toBe(1);
  });

  it('an unwritable data directory gives a clear notice; events still reach listeners', () => {
    const t = tempDir();
    cleanups.push(t.remove);
    const notADir = path.join(t.dir, 'file');
    fs.writeFileSync(notADir, 'x');
    const { s, notices, changes } = service(notADir);
    expect(s.available).toBe(false);
    expect(notices).toHaveLength(1);
    expect(notices[0].message).toMatch(/Events cannot be stored in .*file: the directory cannot be written\. Cameras keep running\./);
    expect(() => s.handle(track('start', 1, 1000))).not.toThrow();
    expect(changes.map((c) => c.type)).toEqual(['new']);
    expect(changes[0].event.snapshot).toBeNull();
  });

  const canMount = (() => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
    const t = tempDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', t.dir], { stdio: 'ignore' });
      execFileSync('umount', [t.dir], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    } finally {
      t.remove();
    }
  })();

  it.skipIf(!canMount)('a full disk gives a clear notice; later events still reach listeners (needs root to mount a small tmpfs)', () => {
    const t = tempDir();
    cleanups.push(t.remove);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', t.dir]);
    cleanups.push(() => execFileSync('umount', ['-l', t.dir]));
    const { s, notices, changes } = service(t.dir);
    expect(s.available).toBe(true);
    const big = new Uint8Array(60_000);
    big.set(smallJpeg().subarray(0, 2));
    for (let i = 1; i <= 8; i++) expect(() => s.handle({ ...track('start', i, 1000 + i), snapshot: big })).not.toThrow();
    expect(changes).toHaveLength(8);
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(notices[0].message).toMatch(/An event could not be saved in .*: the disk is full\. Cameras keep running\./);
    // What was stored has its files; what was not, has no row.
    const stored = s.store!.query({ limit: 50 }).events;
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(8);
    for (const e of stored) expect(fs.existsSync(s.store!.snapshotFile(e.id, 'snapshot')!)).toBe(true);
  });

  it('rejects malformed track messages at the boundary', () => {
    const good = track('start', 1, 1000);
    expect(TrackMessage.safeParse(good).success).toBe(true);
    expect(TrackMessage.safeParse({ ...good, snapshot: new Uint8Array([1, 2, 3, 4]) }).success).toBe(false);
    expect(TrackMessage.safeParse({ ...good, track: { ...good.track, cameraId: '../x' } }).success).toBe(false);
    expect(TrackMessage.safeParse({ ...good, kind: 'explode' }).success).toBe(false);
  });
});

describe('renderSnapshots', () => {
  it('draws the box on the full frame and crops around it', () => {
    const file = path.resolve(import.meta.dirname, '../fixtures/rocket.jpg');
    const src = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: true });
    const box = { x: 0.3, y: 0.2, w: 0.4, h: 0.5 };
    const out = renderSnapshots({ width: src.width, height: src.height, channels: 4, data: src.data }, box);
    const full = jpeg.decode(Buffer.from(out.snapshot), { useTArray: true, formatAsRGBA: true });
    expect([full.width, full.height]).toEqual([src.width, src.height]);
    const r = pixelRect(box, src.width, src.height);
    const at = (x: number, y: number) => Array.from(full.data.subarray((y * full.width + x) * 4, (y * full.width + x) * 4 + 3));
    const near = (p: number[]) => p.every((v, i) => Math.abs(v - BOX_COLOUR[i]) < 40);
    const mid = Math.floor((r.y0 + r.y1) / 2);
    expect(near(at(r.x0, mid))).toBe(true);
    expect(near(at(r.x1 - 1, mid))).toBe(true);
    expect(near(at(Math.floor((r.x0 + r.x1) / 2), r.y0))).toBe(true);
    const crop = jpeg.decode(Buffer.from(out.crop), { useTArray: true });
    // The crop reaches a quarter of the box beyond each side (clipped to the frame).
    expect(crop.width).toBeGreaterThan(r.x1 - r.x0);
    expect(crop.width).toBeLessThanOrEqual(Math.ceil(src.width * 0.6) + 2);
    expect(crop.height).toBeGreaterThan(r.y1 - r.y0);
  });
});
