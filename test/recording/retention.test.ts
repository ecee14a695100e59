/**
 * Recording's catalogue, retention and the worker's recording output, on real files and a real
 * events database (no child process): which segments each rule removes (backdated past
 * continuousDays and eventDays, events mode around an event, maxGB oldest first with continuous
 * footage before event footage, the free-space floor), that only catalogued segment files go and
 * never through a link, merged ranges, the segment list's lines, and pausing on a full disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStore } from '../../src/engine/events/store';
import { Recordings } from '../../src/engine/recording/service';
import type { CameraRecordPolicy, RetentionLimits } from '../../src/engine/recording/retention';
import { hourFolder, parseSegmentLine, RecordingOutput } from '../../src/workers/sources/recording-output';
import { tempDir } from '../support/tmp';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 8, 12, 0, 0);
const opened: { close(): void }[] = [];
afterEach(() => opened.splice(0).forEach((o) => o.close()));

/** A segment name for a UTC time. */
function nameAt(t: number, tag = 'aa'): string {
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${tag}.mp4`;
}

function setup(limits: Partial<RetentionLimits> = {}, policies: Record<string, CameraRecordPolicy> = {}, disk: { free: number; total: number } | null = null) {
  const dir = tempDir('multicam-retention-');
  const store = EventStore.open(dir);
  const recordings = new Recordings({
    root: path.join(dir, 'recordings'),
    db: store.db,
    ffmpegPath: () => null,
    limits: () => ({ continuousDays: 3, eventDays: 30, maxGB: null, minFreePercent: 5, ...limits }),
    policyOf: (camera) => policies[camera] ?? null,
    notice: () => undefined,
    segmentSeconds: 10,
    diskSpace: () => disk,
    checkEveryMs: 3_600_000,
  });
  opened.push(recordings, store);
  /** A closed segment file of `bytes` written where the camera's ffmpeg puts it, and catalogued. */
  const segment = (camera: string, start: number, bytes = 1000, seconds = 10) => {
    const name = nameAt(start);
    const [day, hour] = hourFolder(start);
    const folder = path.join(dir, 'recordings', camera, day, hour);
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, name), Buffer.alloc(bytes));
    recordings.catalogue.add({ camera, start, end: start + seconds * 1000, bytes, path: `${camera}/${day}/${hour}/${name}` });
    return `${camera}/${day}/${hour}/${name}`;
  };
  const event = (camera: string, start: number, end: number) => {
    const box = { x: 0, y: 0, w: 0.1, h: 0.1 };
    store.insert({ id: `${start}-abcdef`, camera, cameraName: camera, label: 'face', start, lastSeen: start, score: 0.9, box, zones: [] });
    store.end(`${start}-abcdef`, end, { lastSeen: end, score: 0.9, box, zones: [] });
  };
  const left = () => recordings.catalogue.oldest(1000).map((s) => s.path);
  return { dir, recordings, segment, event, left };
}

const continuous: CameraRecordPolicy = { mode: 'continuous', preSeconds: 5, postSeconds: 5 };
const eventsMode: CameraRecordPolicy = { mode: 'events', preSeconds: 5, postSeconds: 5 };

describe('recording retention', () => {
  it('backdated footage goes past continuousDays, event footage past eventDays; rows and files both', () => {
    const t = setup({}, { door: continuous });
    const old = t.segment('door', NOW - 4 * DAY);
    const oldEvent = t.segment('door', NOW - 10 * DAY);
    t.event('door', NOW - 10 * DAY + 3000, NOW - 10 * DAY + 4000);
    const veryOld = t.segment('door', NOW - 31 * DAY);
    t.event('door', NOW - 31 * DAY + 3000, NOW - 31 * DAY + 4000);
    const recent = t.segment('door', NOW - 1 * DAY);
    expect(t.recordings.enforce(NOW)).toBe(2);
    expect(t.left().sort()).toEqual([oldEvent, recent].sort());
    for (const gone of [old, veryOld]) expect(fs.existsSync(path.join(t.dir, 'recordings', gone))).toBe(false);
    expect(fs.existsSync(path.join(t.dir, 'recordings', oldEvent))).toBe(true);
  });

  it('events mode keeps only segments overlapping an event’s [start − pre, end + post], once no event can reach back', () => {
    const t = setup({}, { door: eventsMode });
    const base = NOW - 120_000;
    const paths = [0, 1, 2, 3, 4, 5, 6].map((i) => t.segment('door', base + i * 10_000));
    // An event from base+32 s to base+41 s: with 5 s either side it reaches segments 2 (27 s) to 4 (46 s).
    t.event('door', base + 32_000, base + 41_000);
    t.recordings.enforce(NOW);
    expect(t.left()).toEqual([paths[2], paths[3], paths[4]]);
    // A segment that closed just now stays: an event starting within pre seconds could still need it.
    const fresh = t.segment('door', NOW - 10_000);
    t.recordings.enforce(NOW);
    expect(t.left()).toContain(fresh);
  });

  it('over maxGB the oldest go first, continuous footage before event footage', () => {
    const t = setup({ maxGB: 3500 / 1e9 }, { door: continuous });
    const a = t.segment('door', NOW - 60_000); // event footage, oldest
    t.event('door', NOW - 58_000, NOW - 57_000);
    const b = t.segment('door', NOW - 50_000);
    const c = t.segment('door', NOW - 40_000);
    const d = t.segment('door', NOW - 30_000);
    const e = t.segment('door', NOW - 20_000);
    expect(t.recordings.enforce(NOW)).toBe(2);
    expect(t.left()).toEqual([a, d, e]);
    expect([b, c].some((p) => fs.existsSync(path.join(t.dir, 'recordings', p)))).toBe(false);
  });

  it('below the free-space floor the oldest go until it is met', () => {
    const t = setup({ minFreePercent: 10 }, { door: continuous }, { free: 97_500, total: 1_000_000 });
    const paths = [0, 1, 2, 3].map((i) => t.segment('door', NOW - 100_000 + i * 10_000, 1000));
    t.recordings.enforce(NOW);
    expect(t.left()).toEqual(paths.slice(3));
  });

  it('deletes only catalogued segment files: never a link, never a folder, never a foreign file', () => {
    const t = setup({}, { door: continuous });
    const outside = tempDir('multicam-retention-outside-');
    fs.writeFileSync(path.join(outside, 'precious.mp4'), 'x');
    const rel = t.segment('door', NOW - 5 * DAY);
    const file = path.join(t.dir, 'recordings', rel);
    // The hour folder replaced by a link to somewhere else, holding a file of the same name.
    fs.renameSync(path.dirname(file), path.join(outside, 'moved'));
    fs.copyFileSync(path.join(outside, 'precious.mp4'), path.join(outside, 'moved', path.basename(file)));
    fs.symlinkSync(path.join(outside, 'moved'), path.dirname(file));
    const other = t.segment('door', NOW - 6 * DAY);
    t.recordings.enforce(NOW);
    expect(fs.existsSync(path.join(outside, 'moved', path.basename(file)))).toBe(true);
    // The segment beside it, in a real folder, still went.
    expect(fs.existsSync(path.join(t.dir, 'recordings', other))).toBe(false);
    expect(() => t.recordings.files.absPath('door/../../etc/passwd')).toThrow(/not a segment path/);
  });

  it('merges a camera’s adjacent segments into ranges and leaves a gap a gap', () => {
    const t = setup({}, { door: continuous, yard: continuous });
    t.segment('door', NOW - 60_000);
    t.segment('door', NOW - 50_000);
    t.segment('door', NOW - 20_000);
    t.segment('yard', NOW - 60_000);
    expect(t.recordings.catalogue.ranges(undefined, NOW - DAY, NOW)).toEqual([
      { camera: 'door', start: NOW - 60_000, end: NOW - 40_000 },
      { camera: 'door', start: NOW - 20_000, end: NOW - 10_000 },
      { camera: 'yard', start: NOW - 60_000, end: NOW - 50_000 },
    ]);
    expect(t.recordings.catalogue.ranges('yard', NOW - 45_000, NOW)).toEqual([]);
  });
});

describe('the worker’s recording output', () => {
  it('reads ffmpeg’s segment list lines, plain and quoted', () => {
    expect(parseSegmentLine('20261208-023234-ab.mp4,0.000000,10.023242')).toEqual({ name: '20261208-023234-ab.mp4', seconds: 10.023242 });
    expect(parseSegmentLine('"a,""b"".mp4",10.5,20.5')).toEqual({ name: 'a,"b".mp4', seconds: 10 });
    expect(parseSegmentLine('nonsense')).toBeNull();
  });

  it('makes this and the next hour’s folders, reports closed segments with their size, and keeps AAC but drops G.711 with a note', () => {
    const dir = path.join(tempDir('multicam-record-out-'), 'door');
    const seen: { name: string; seconds: number; bytes: number }[] = [];
    const out = new RecordingOutput({ dir, segmentSeconds: 10, onSegment: (s) => seen.push(s) });
    const run = out.nextRun()!;
    expect(run).toMatchObject({ dir, segmentSeconds: 10, audio: true });
    const now = Date.now();
    for (const t of [now, now + 3_600_000]) expect(fs.statSync(path.join(dir, ...hourFolder(t))).mode & 0o777).toBe(0o700);
    const name = nameAt(now, run.runTag);
    fs.writeFileSync(path.join(dir, ...hourFolder(now), name), Buffer.alloc(1234));
    out.pushList(Buffer.from(`${name},0.0,`));
    out.pushList(Buffer.from(`10.0\nnot-a-segment.mp4,0,1\n`));
    expect(seen).toEqual([{ name, seconds: 10, bytes: 1234 }]);
    expect(out.audioCodec('aac')).toBe(false);
    expect(out.status()).toMatchObject({ audio: 'copied', note: null, segments: 1 });
    expect(out.audioCodec('pcm_mulaw')).toBe(true);
    expect(out.nextRun()!.audio).toBe(false);
    expect(out.status()).toMatchObject({ state: 'recording', audio: 'dropped', note: expect.stringMatching(/pcm_mulaw.*AAC only/) });
    expect(out.audioCodec('pcm_mulaw')).toBe(false); // already running without audio: no further restart
  });

  it('pauses on a full disk (ffmpeg fails on a segment) and records again only when there is room', async () => {
    const dir = path.join(tempDir('multicam-record-out-'), 'door');
    let free = 0;
    const out = new RecordingOutput({ dir, segmentSeconds: 10, onSegment: () => undefined, freeBytes: () => free, resumeFreeBytes: 1000 });
    expect(out.failedOn('[segment] Opening some other file for writing')).toBe(false);
    expect(out.failedOn(`av_interleaved_write_frame(): No space left on device`)).toBe(true);
    expect(out.status()).toMatchObject({ state: 'paused', note: expect.stringMatching(/disk is full.*detection goes on/) });
    expect(out.nextRun()).toBeNull();
    expect(out.videoCodec('h264')).toBe(false);
    expect(out.videoCodec('rawvideo')).toBe(true);
    expect(out.status()).toMatchObject({ state: 'off', note: expect.stringMatching(/raw/) });
    free = 10_000;
    expect(out.nextRun()).toBeNull();
  });
});
