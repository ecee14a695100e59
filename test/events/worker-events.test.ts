import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { WorkerEvents, unletterbox, type SnapshotRequest } from '../../src/workers/events';
import { letterboxRgb } from '../../src/shared/letterbox';
import { DEFAULT_EVENT_FILTERS, TrackMessage } from '../../src/shared/contracts/events';
import { until } from '../support/process';

const png = PNG.sync.read(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/astronaut.png')));
const rocket = fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/rocket.jpg'));
// A non-square picture, so the letterbox has padding to cut away.
const wide = (() => {
  const d = jpeg.decode(rocket, { useTArray: true, formatAsRGBA: true });
  const lb = letterboxRgb(d.data, d.width, d.height, 4, 128, 128);
  return { data: lb.data, width: 128, height: 128, letterbox: lb.letterbox };
})();
const face = { label: 'face', score: 0.92, box: { x: 0.35, y: 0.16, w: 0.18, h: 0.18 } };

const stops: WorkerEvents[] = [];
afterEach(() => stops.splice(0).forEach((s) => s.stop()));

function make(maxMissingMs = 2000, displayFrames = false) {
  const sent: TrackMessage[] = [];
  const ev = new WorkerEvents({
    cameraId: 'cam1',
    displayFrames,
    filters: DEFAULT_EVENT_FILTERS,
    tracker: { maxMissingMs },
    defaultLabel: 'object',
    send: (m) => sent.push(TrackMessage.parse(m)),
    tickMs: 50,
  });
  stops.push(ev);
  return { ev, sent };
}

describe('WorkerEvents', () => {
  it('cuts the letterbox padding off a model frame', () => {
    const raw = unletterbox(wide);
    expect(raw.width).toBe(128);
    expect(raw.height).toBe(Math.round((427 / 640) * 128));
  });

  it('starts an event with a snapshot of the model frame and asks the page for a better one', () => {
    const { ev, sent } = make();
    const lb = letterboxRgb(png.data, png.width, png.height, 4, 128, 128);
    const frame = { data: lb.data, width: 128, height: 128, letterbox: lb.letterbox };
    const requests: SnapshotRequest[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) ev.observe(t0 + i * 100, [face], frame, (r) => requests.push(r));
    expect(sent.map((m) => m.kind)).toEqual(['start']);
    const snap = jpeg.decode(Buffer.from(sent[0].snapshot!), { useTArray: true });
    expect([snap.width, snap.height]).toEqual([128, 128]);
    expect(sent[0].crop).toBeDefined();
    expect(requests).toEqual([{ type: 'snapshot-request', cameraId: 'cam1', trackId: sent[0].track.trackId, box: face.box }]);
    // What the page sends back is drawn on at its own size and goes on as an update carrying it.
    const trackId = sent[0].track.trackId;
    const pageJpeg = new Uint8Array(jpeg.encode({ data: Buffer.from(png.data), width: png.width, height: png.height }, 85).data);
    ev.receiveSnapshot({ type: 'track-snapshot', cameraId: 'cam1', trackId, jpeg: pageJpeg });
    expect(sent.map((m) => m.kind)).toEqual(['start', 'update']);
    const full = jpeg.decode(Buffer.from(sent[1].snapshot!), { useTArray: true });
    expect([full.width, full.height]).toEqual([512, 512]);
    // The box is drawn at the face: its top-left corner is the box colour (green), in the page's pixels.
    const at = (Math.ceil(face.box.y * 512) + 1) * 512 * 4 + (Math.ceil(face.box.x * 512) + 1) * 4;
    expect(full.data[at + 1]).toBeGreaterThan(180);
    expect(full.data[at]).toBeLessThan(80);
    const crop = jpeg.decode(Buffer.from(sent[1].crop!), { useTArray: true });
    expect(crop.width).toBeGreaterThan(128 * face.box.w * 1.5 * 3);
    // Once answered, a second picture for the track is not asked for; an unknown track is ignored; both counted.
    ev.receiveSnapshot({ type: 'track-snapshot', cameraId: 'cam1', trackId, jpeg: pageJpeg });
    ev.receiveSnapshot({ type: 'track-snapshot', cameraId: 'cam1', trackId: 999, jpeg: pageJpeg });
    expect(sent).toHaveLength(2);
    expect(ev.pageSnapshotStats()).toEqual({ requested: 1, stored: 1, unknownTrack: 1, unrequested: 1, invalid: 0 });
  });

  it('engine-side: a track that starts before any display frame gets the first one that comes, as an update', () => {
    const { ev, sent } = make(2000, true);
    const lb = letterboxRgb(png.data, png.width, png.height, 4, 128, 128);
    const frame = { data: lb.data, width: 128, height: 128, letterbox: lb.letterbox };
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) ev.observe(t0 + i * 100, [face], frame, null);
    expect(sent.map((m) => m.kind)).toEqual(['start']);
    const small = jpeg.decode(Buffer.from(sent[0].snapshot!), { useTArray: true });
    expect([small.width, small.height]).toEqual([128, 128]);
    // The display frame (ffmpeg's preview JPEG) arrives: the event's snapshot becomes it, box drawn.
    const display = new Uint8Array(jpeg.encode({ data: Buffer.from(png.data), width: png.width, height: png.height }, 85).data);
    ev.setPreview(display);
    expect(sent.map((m) => m.kind)).toEqual(['start', 'update']);
    expect(sent[1].track.trackId).toBe(sent[0].track.trackId);
    const full = jpeg.decode(Buffer.from(sent[1].snapshot!), { useTArray: true });
    expect([full.width, full.height]).toEqual([png.width, png.height]);
    const at = (Math.ceil(face.box.y * png.height) + 1) * png.width * 4 + (Math.ceil(face.box.x * png.width) + 1) * 4;
    expect(full.data[at + 1]).toBeGreaterThan(180);
    expect(full.data[at]).toBeLessThan(80);
    // Only once: the next display frame changes nothing, and later snapshots are drawn on display frames.
    ev.setPreview(display);
    expect(sent).toHaveLength(2);
  });

  it('refuses bytes that are not a decodable JPEG; the event keeps its small snapshot', () => {
    const { ev, sent } = make();
    const lb = letterboxRgb(png.data, png.width, png.height, 4, 128, 128);
    const frame = { data: lb.data, width: 128, height: 128, letterbox: lb.letterbox };
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) ev.observe(t0 + i * 100, [face], frame, () => undefined);
    const trackId = sent[0].track.trackId;
    const garbage = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]);
    ev.receiveSnapshot({ type: 'track-snapshot', cameraId: 'cam1', trackId, jpeg: garbage });
    // And in the binary form main forwards: a header that is not JSON.
    ev.receiveSnapshot({ type: 'track-snapshot-bytes', data: new Uint8Array([0, 0, 0, 2, 0x7b, 0x7b, 0xff, 0xd8]) });
    expect(sent.map((m) => m.kind)).toEqual(['start']);
    expect(ev.pageSnapshotStats()).toMatchObject({ requested: 1, stored: 0, invalid: 2 });
  });

  it('uses the display frame of an engine-side source, at its size, and asks no page', () => {
    const { ev, sent } = make();
    ev.setPreview(rocket);
    const requests: SnapshotRequest[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) ev.observe(t0 + i * 100, [face], wide, (r) => requests.push(r));
    const snap = jpeg.decode(Buffer.from(sent[0].snapshot!), { useTArray: true });
    expect([snap.width, snap.height]).toEqual([640, 427]);
    expect(requests).toEqual([]);
  });

  it('ends a track on its own timer when frames stop coming', async () => {
    const { ev, sent } = make(300);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) ev.observe(t0 + i, [face], wide, null);
    expect(sent.map((m) => m.kind)).toEqual(['start']);
    await until(() => sent.length === 2, 5000, 'the end');
    expect(sent[1]).toMatchObject({ kind: 'end', track: { lastSeen: t0 + 2 } });
    expect(sent[1].snapshot).toBeUndefined();
  });
});
