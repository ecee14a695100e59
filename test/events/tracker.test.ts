import { describe, expect, it } from 'vitest';
import { iou } from '../../src/workers/geometry';
import { Tracker } from '../../src/workers/tracking/tracker';
import { pointInPolygon, zonesOf } from '../../src/workers/tracking/zones';
import { DEFAULT_EVENT_FILTERS, type EventFilters } from '../../src/shared/contracts/events';

const face = (x: number, score = 0.9, label = 'face') => ({ label, score, box: { x, y: 0.3, w: 0.2, h: 0.2 } });
const filters = (f: Partial<EventFilters>): EventFilters => ({ ...DEFAULT_EVENT_FILTERS, ...f });
const left = { name: 'left', required: false, points: [{ x: 0, y: 0 }, { x: 0.5, y: 0 }, { x: 0.5, y: 1 }, { x: 0, y: 1 }] };
const right = { name: 'right', required: false, points: [{ x: 0.5, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0.5, y: 1 }] };

describe('iou', () => {
  it('is 1 for the same box, 0 apart, 1/3 for half-shifted equal boxes', () => {
    const a = { x: 0, y: 0, w: 0.2, h: 0.2 };
    expect(iou(a, a)).toBeCloseTo(1);
    expect(iou(a, { x: 0.5, y: 0.5, w: 0.1, h: 0.1 })).toBe(0);
    expect(iou(a, { x: 0.1, y: 0, w: 0.2, h: 0.2 })).toBeCloseTo(1 / 3);
  });
});

describe('Tracker', () => {
  it('starts after minFrames frames, keeps one id while the box moves a little, ends after maxMissing', () => {
    const t = new Tracker('cam', { minFrames: 3, maxMissingMs: 2000 });
    expect(t.update(0, [face(0.1)])).toEqual([]);
    expect(t.update(100, [face(0.11)])).toEqual([]);
    const started = t.update(200, [face(0.12)]);
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ kind: 'start', snapshot: true, track: { cameraId: 'cam', label: 'face', start: 0, lastSeen: 200 } });
    const id = started[0].track.trackId;
    for (let i = 3; i < 20; i++) expect(t.update(i * 100, [face(0.1 + i * 0.01)])).toEqual([]);
    expect(t.liveCounts().get('face')).toBe(1);
    // Frames that miss it, then nothing until more than 2 s after it was last seen (1900 ms).
    expect(t.update(2000, [])).toEqual([]);
    expect(t.update(2100, [])).toEqual([]);
    expect(t.tick(3900)).toEqual([]);
    const ended = t.tick(3901);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ kind: 'end', track: { trackId: id, start: 0, lastSeen: 1900 } });
    expect(t.liveCounts().size).toBe(0);
  });

  it('a slow camera (2 fps) still makes its event: ticks between frames are not missed frames', () => {
    const t = new Tracker('cam', { minFrames: 3, maxMissingMs: 2000 });
    const changes = [];
    for (let ms = 0; ms <= 1000; ms += 250) {
      if (ms % 500 === 0) changes.push(...t.update(ms, [face(0.1)]));
      changes.push(...t.tick(ms + 125));
    }
    expect(changes.map((c) => c.kind)).toEqual(['start']);
    expect(changes[0].track).toMatchObject({ start: 0, lastSeen: 1000 });
    // A tentative track nobody sees again is forgotten after maxMissing, without a report.
    const u = new Tracker('cam', { minFrames: 3, maxMissingMs: 2000 });
    u.update(0, [face(0.5)]);
    expect(u.tick(1000)).toEqual([]);
    expect(u.tick(2001)).toEqual([]);
    expect(u.update(2100, [face(0.5)])).toEqual([]);
    expect(u.update(2200, [face(0.5)])).toEqual([]);
    expect(u.update(2300, [face(0.5)])).toHaveLength(1);
  });

  it('a silence without frames (a busy machine, a stalled page) does not end a track; frames that miss it do', () => {
    const t = new Tracker('cam', { minFrames: 3, maxMissingMs: 2000 });
    for (let ms = 0; ms <= 200; ms += 100) t.update(ms, [face(0.1)]);
    // 4 s without any frame: the machine was busy, nobody saw the face leave.
    for (let ms = 450; ms <= 4200; ms += 250) expect(t.tick(ms)).toEqual([]);
    expect(t.update(4300, [face(0.1)])).toEqual([]); // the same track goes on: no second start
    expect(t.liveCounts().get('face')).toBe(1);
    // One frame that misses it is not enough, even past maxMissing; the second is.
    expect(t.update(6400, [])).toEqual([]);
    expect(t.update(6500, []).map((c) => c.kind)).toEqual(['end']);
    // A camera that stops sending ends its track after SILENCE_FACTOR × maxMissing.
    const u = new Tracker('cam', { minFrames: 1, maxMissingMs: 2000 });
    u.update(0, [face(0.1)]);
    expect(u.tick(10_000)).toEqual([]);
    expect(u.tick(10_001).map((c) => c.kind)).toEqual(['end']);
  });

  it('drops a tentative track that misses a frame and never reports it', () => {
    const t = new Tracker('cam');
    t.update(0, [face(0.1)]);
    t.update(100, [face(0.1)]);
    expect(t.update(200, [])).toEqual([]);
    expect(t.update(300, [face(0.1)])).toEqual([]);
    expect(t.update(400, [face(0.1)])).toEqual([]);
    expect(t.update(500, [face(0.1)])[0]?.kind).toBe('start');
  });

  it('keeps tracks apart by label and by overlap, with distinct ids', () => {
    const t = new Tracker('cam', { minFrames: 1 });
    const changes = t.update(0, [face(0.1), face(0.6), face(0.1, 0.9, 'person')]);
    expect(changes.map((c) => c.track.label).sort()).toEqual(['face', 'face', 'person']);
    expect(new Set(changes.map((c) => c.track.trackId)).size).toBe(3);
    expect(t.liveCounts()).toEqual(new Map([['face', 2], ['person', 1]]));
    // The next frame continues all three: no new starts.
    expect(t.update(100, [face(0.61), face(0.11), face(0.1, 0.9, 'person')])).toEqual([]);
  });

  it('follows a box that jumps without overlap when its centre stays within a box size (skipped frames)', () => {
    const t = new Tracker('cam', { minFrames: 1 });
    const id = t.update(0, [face(0.1)])[0].track.trackId;
    // x 0.1 -> 0.28: no overlap (boxes are 0.2 wide... IoU 0.05), centres 0.9 box sizes apart.
    expect(t.update(100, [face(0.28)])).toEqual([]);
    expect(t.liveCounts().get('face')).toBe(1);
    // Two boxes 2.5 sizes apart are two tracks.
    const other = t.update(200, [face(0.28), face(0.78)]);
    expect(other).toHaveLength(1);
    expect(other[0].track.trackId).not.toBe(id);
  });

  it('keeps the best score and its box; reports a better one at most once a second', () => {
    const t = new Tracker('cam', { minFrames: 1 });
    t.update(0, [face(0.1, 0.6)]);
    expect(t.update(500, [face(0.12, 0.9)])).toEqual([]); // better, but within a second of the start
    const up = t.update(1000, [face(0.13, 0.95)]);
    expect(up).toEqual([expect.objectContaining({ kind: 'update', snapshot: true })]);
    expect(up[0].track.score).toBe(0.95);
    expect(up[0].track.box.x).toBe(0.13);
    expect(t.update(2500, [face(0.13, 0.955)])).toEqual([]); // not better by enough
    expect(t.update(2600, [face(0.13, 0.5)])).toEqual([]);
    t.update(2700, []);
    t.update(2800, []);
    const end = t.tick(5000);
    expect(end[0].track.score).toBe(0.95);
  });

  it('a track becomes an event only once the median of its scores reaches the threshold (Frigate min_score/threshold)', () => {
    const run = (t: Tracker, scores: number[]) => scores.flatMap((score, i) => t.update(i * 100, [face(0.1, score, 'person')]));
    // The model's default (0.35 for objects): a box held at 0.3 never makes an event, however long it stays.
    expect(run(new Tracker('cam', { minFrames: 3 }, DEFAULT_EVENT_FILTERS, 'object', 0.35), new Array(30).fill(0.3))).toEqual([]);
    // A steady 0.38 does, once seen in minFrames frames.
    const steady = run(new Tracker('cam', { minFrames: 3 }, DEFAULT_EVENT_FILTERS, 'object', 0.35), new Array(5).fill(0.38));
    expect(steady.map((c) => [c.kind, c.track.lastSeen])).toEqual([['start', 200]]);
    // A single high score among low ones does not lift the median; a run of them does.
    const rising = run(new Tracker('cam', { minFrames: 3 }, DEFAULT_EVENT_FILTERS, 'object', 0.35), [0.3, 0.3, 0.9, 0.3, 0.3, 0.3, 0.45, 0.45, 0.45, 0.45, 0.45]);
    expect(rising.map((c) => [c.kind, c.track.lastSeen])).toEqual([['start', 900]]); // the 10th frame: median (0.3 + 0.45) / 2
    // The camera's own threshold (filters.threshold) wins over the model's, both ways.
    expect(run(new Tracker('cam', { minFrames: 3 }, filters({ threshold: 0.25 }), 'object', 0.35), new Array(5).fill(0.3)).map((c) => c.kind)).toEqual(['start']);
    expect(run(new Tracker('cam', { minFrames: 3 }, filters({ threshold: 0.5 }), 'object', 0.35), new Array(20).fill(0.45))).toEqual([]);
  });

  it('keys tracks by lowercase label, the default label too', () => {
    const t = new Tracker('cam', { minFrames: 1 }, DEFAULT_EVENT_FILTERS, 'Object');
    const started = t.update(0, [face(0.1, 0.9, 'Person'), { score: 0.9, box: { x: 0.6, y: 0.3, w: 0.2, h: 0.2 } }]);
    expect(started.map((c) => c.track.label).sort()).toEqual(['object', 'person']);
    expect([...t.liveCounts().keys()].sort()).toEqual(['object', 'person']);
  });

  it('applies min score and min area filters, and events off ends live tracks', () => {
    const t = new Tracker('cam', { minFrames: 1 }, filters({ minScore: 0.8, minArea: 0.03 }));
    expect(t.update(0, [face(0.1, 0.7)])).toEqual([]);
    expect(t.update(0, [{ label: 'face', score: 0.9, box: { x: 0, y: 0, w: 0.1, h: 0.1 } }])).toEqual([]);
    expect(t.update(100, [face(0.1, 0.85)])[0].kind).toBe('start');
    const off = t.setFilters(filters({ enabled: false }));
    expect(off.map((c) => c.kind)).toEqual(['end']);
    expect(t.update(200, [face(0.1, 0.85)])).toEqual([]);
  });

  it('lists the zones a track enters, by the bottom centre of its box', () => {
    const t = new Tracker('cam', { minFrames: 1 }, filters({ zones: [left, right] }));
    // Box x 0.3..0.5: bottom centre x 0.4, in 'left'.
    expect(t.update(0, [face(0.3)])[0].track.zones).toEqual(['left']);
    const moved = t.update(100, [face(0.38)]); // centre 0.48: still left
    expect(moved).toEqual([]);
    const entered = t.update(200, [face(0.42)]); // centre 0.52: right
    expect(entered).toEqual([expect.objectContaining({ kind: 'update', snapshot: false })]);
    expect(entered[0].track.zones).toEqual(['left', 'right']);
  });

  it('makes events only for tracks inside a required zone', () => {
    const req = { ...right, required: true };
    const t = new Tracker('cam', { minFrames: 2 }, filters({ zones: [left, req] }));
    t.update(0, [face(0.1)]);
    expect(t.update(100, [face(0.1)])).toEqual([]); // confirmed, but outside 'right'
    for (let i = 2; i < 8; i++) expect(t.update(i * 100, [face(0.1 + i * 0.04)])).toEqual([]); // up to x 0.38
    const started = t.update(800, [face(0.42)]); // bottom centre 0.52: inside 'right'
    expect(started[0]).toMatchObject({ kind: 'start', track: { start: 0, zones: ['left', 'right'] } });
  });
});

describe('zones', () => {
  it('tests points against concave polygons', () => {
    const l = [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 0.2 }, { x: 0.2, y: 0.2 }, { x: 0.2, y: 1 }, { x: 0, y: 1 }];
    expect(pointInPolygon({ x: 0.1, y: 0.9 }, l)).toBe(true);
    expect(pointInPolygon({ x: 0.9, y: 0.1 }, l)).toBe(true);
    expect(pointInPolygon({ x: 0.5, y: 0.5 }, l)).toBe(false);
    expect(zonesOf({ x: 0.4, y: 0.7, w: 0.2, h: 0.25 }, [left, right])).toEqual(['right']);
  });
});
