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

function make(maxMissingMs = 2000) {
  const sent: TrackMessage[] = [];
  const ev = new WorkerEvents({
    cameraId: 'cam1',
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
    // What the page sends back goes on to the engine as an update carrying it.
    const pageJpeg = new Uint8Array(jpeg.encode({ data: Buffer.alloc(64 * 48 * 4, 90), width: 64, height: 48 }, 80).data);
    expect(ev.pageSnapshot(sent[0].track.trackId, pageJpeg, undefined)).toBe(true);
    expect(sent[1]).toMatchObject({ kind: 'update', snapshot: pageJpeg });
    expect(ev.pageSnapshot(999, pageJpeg, undefined)).toBe(false);
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
