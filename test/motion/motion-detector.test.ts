/**
 * The motion detector on synthetic grey frames: a still scene (with sensor noise) shows no motion
 * once the background is learnt; a moving square gives a box around it; a global brightness
 * change recalibrates, with no motion reported then or after; motion inside a mask is ignored.
 * Also the grey frame's reduction from a letterboxed model frame, the tracker's hold for frames
 * without motion, and the ffmpeg plan's model rate (the lower of maxFps and detect.fps).
 */
import { describe, expect, it } from 'vitest';
import { MotionDetector } from '../../src/workers/motion/motion-detector';
import { greyFromModelFrame, type GreyFrame } from '../../src/workers/motion/grey-frame';
import { DetectGate } from '../../src/workers/motion/detect-gate';
import { Tracker } from '../../src/workers/tracking/tracker';
import { planFfmpeg } from '../../src/workers/sources/ffmpeg-args';
import type { Box } from '../../src/shared/contracts/frames';

const W = 160;
const H = 100;

/** A fixed pseudo-random generator, so every run sees the same scene. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A textured background (smooth gradients and blobs) plus per-frame noise of +-noise. */
function scene(random: () => number, noise: number, draw?: (x: number, y: number) => number | null, brightness = 0): GreyFrame {
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const base = 90 + 40 * Math.sin(x / 13) + 30 * Math.cos(y / 9);
      const v = draw?.(x, y) ?? base + brightness + (random() * 2 - 1) * noise;
      data[y * W + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return { data, width: W, height: H };
}

const square = (sx: number, sy: number, size = 16, value = 250) => (x: number, y: number) => (x >= sx && x < sx + size && y >= sy && y < sy + size ? value : null);

function contains(box: Box, x: number, y: number, w: number, h: number): boolean {
  const eps = 1e-9;
  return box.x <= x / W + eps && box.y <= y / H + eps && box.x + box.w >= (x + w) / W - eps && box.y + box.h >= (y + h) / H - eps;
}

describe('motion detector', () => {
  it('a still scene with sensor noise shows no motion after the first frame', () => {
    const random = rng(1);
    const m = new MotionDetector({ threshold: 30, minArea: 0.0005, masks: [] });
    expect(m.detect(scene(random, 6))).toEqual({ boxes: [], calibrated: true });
    for (let i = 0; i < 60; i++) expect(m.detect(scene(random, 6)).boxes).toEqual([]);
  });

  it('a moving square gives one box around it, and nothing once it has gone', () => {
    const random = rng(2);
    const m = new MotionDetector({ threshold: 30, minArea: 0.0005, masks: [] });
    for (let i = 0; i < 5; i++) m.detect(scene(random, 4));
    for (let step = 0; step < 20; step++) {
      const sx = 20 + 4 * step;
      const { boxes, calibrated } = m.detect(scene(random, 4, square(sx, 40)));
      expect(calibrated).toBe(false);
      expect(boxes.length).toBeGreaterThanOrEqual(1);
      // The square is inside one box, and that box is not much larger than the square's trail.
      const around = boxes.find((b) => contains(b, sx, 40, 16, 16));
      expect(around, `step ${step}: ${JSON.stringify(boxes)}`).toBeDefined();
      expect(around!.h).toBeLessThan(0.4);
    }
  });

  it('a global brightness change recalibrates: no motion on that frame nor after', () => {
    const random = rng(3);
    const m = new MotionDetector({ threshold: 30, minArea: 0.0005, masks: [] });
    for (let i = 0; i < 5; i++) expect(m.detect(scene(random, 4)).boxes).toEqual([]);
    expect(m.detect(scene(random, 4, undefined, 70))).toEqual({ boxes: [], calibrated: true });
    for (let i = 0; i < 30; i++) expect(m.detect(scene(random, 4, undefined, 70))).toEqual({ boxes: [], calibrated: false });
    // Still able to see motion afterwards.
    const after = m.detect(scene(random, 4, square(60, 30, 16, 0), 70));
    expect(after.boxes.some((b) => contains(b, 60, 30, 16, 16)), JSON.stringify(after)).toBe(true);
  });

  it('motion inside a mask is ignored, the same motion outside it is not', () => {
    const mask = [{ x: 0, y: 0 }, { x: 0.5, y: 0 }, { x: 0.5, y: 1 }, { x: 0, y: 1 }];
    const masked = new MotionDetector({ threshold: 30, minArea: 0.0005, masks: [mask] });
    const open = new MotionDetector({ threshold: 30, minArea: 0.0005, masks: [] });
    const random = rng(4);
    for (let i = 0; i < 3; i++) {
      const still = scene(random, 4);
      masked.detect(still);
      open.detect(still);
    }
    for (let step = 0; step < 10; step++) {
      const frame = scene(random, 4, square(10 + 3 * step, 40));
      expect(masked.detect(frame).boxes).toEqual([]);
      expect(open.detect(frame).boxes.length).toBeGreaterThan(0);
    }
    // Right of the mask the masked detector sees it too.
    expect(masked.detect(scene(random, 4, square(120, 40))).boxes.some((b) => contains(b, 120, 40, 16, 16))).toBe(true);
  });
});

describe('grey frame from the model frame', () => {
  it('keeps only the letterboxed picture, about 100 px high, in luma', () => {
    const width = 300;
    const height = 300;
    const rgb = new Uint8Array(width * height * 3);
    // A 4:3 picture letterboxed into 300x300: rows 38..262 hold it; pure green inside, black bars.
    for (let y = 38; y < 263; y++) for (let x = 0; x < width; x++) rgb[(y * width + x) * 3 + 1] = 200;
    const grey = greyFromModelFrame(rgb, width, height, { x: 0, y: 37.5 / 300, w: 1, h: 225 / 300 });
    expect(grey.height).toBeGreaterThanOrEqual(100);
    expect(grey.height).toBeLessThan(200);
    expect(grey.width / grey.height).toBeCloseTo(4 / 3, 1);
    expect(Math.min(...grey.data)).toBeGreaterThan(100); // no bar rows
    expect(Math.max(...grey.data)).toBeLessThanOrEqual(Math.ceil((150 * 200) / 256));
  });
});

describe('the detect gate and the tracker', () => {
  it("in 'motion' mode skips still frames, infers on motion, on an active track and every refreshMs", () => {
    const gate = new DetectGate({ mode: 'motion', refreshMs: 1000, motion: { threshold: 30, minArea: 0.0005, masks: [] } });
    const model = (brightSquare: boolean) => {
      const rgb = new Uint8Array(128 * 96 * 3).fill(60);
      if (brightSquare) for (let y = 40; y < 60; y++) for (let x = 40; x < 60; x++) rgb.fill(240, (y * 128 + x) * 3, (y * 128 + x) * 3 + 3);
      return { data: rgb, width: 128, height: 96, letterbox: { x: 0, y: 0, w: 1, h: 1 } };
    };
    expect(gate.decide(model(false), 0, false).infer).toBe(true); // the first frame: never inferred yet
    expect(gate.decide(model(false), 100, false).infer).toBe(false);
    expect(gate.decide(model(false), 200, true).infer).toBe(true); // an active track
    expect(gate.decide(model(false), 300, false).infer).toBe(false);
    expect(gate.decide(model(true), 400, false)).toMatchObject({ infer: true });
    expect(gate.decide(model(false), 1300, false).infer).toBe(false);
    expect(gate.decide(model(false), 1400, false).infer).toBe(true); // refresh: 1000 ms after the last
    expect(gate.stats()).toEqual({ motion: false, frames: 7, framesWithMotion: 1, skippedNoMotion: 3 });
    // A cut (the whole frame changes): inferred, counted as no motion.
    const cut = model(false);
    cut.data.fill(200);
    expect(gate.decide(cut, 1500, false)).toEqual({ infer: true, motion: [] });
    expect(gate.decide(cut, 1600, false).infer).toBe(false);
    expect(gate.stats()).toEqual({ motion: false, frames: 9, framesWithMotion: 1, skippedNoMotion: 4 });
    const always = new DetectGate({ mode: 'always', refreshMs: 1000, motion: { threshold: 30, minArea: 0, masks: [] } });
    expect(always.decide(model(false), 0, false).infer && always.decide(model(false), 1, false).infer).toBe(true);
    expect(always.stats()).toBeUndefined();
  });

  it('a confirmed track that stands still is held by frames without motion and stops being active', () => {
    const tracker = new Tracker('cam', { minFrames: 3, maxMissingMs: 2000 });
    const face = { label: 'face', score: 0.9, box: { x: 0.4, y: 0.4, w: 0.2, h: 0.2 } };
    expect(tracker.active()).toBe(false);
    tracker.update(0, [face]);
    expect(tracker.active()).toBe(true); // tentative
    tracker.update(200, [face]);
    expect(tracker.update(400, [face]).map((c) => c.kind)).toEqual(['start']);
    expect(tracker.active()).toBe(false); // confirmed and still
    for (let t = 600; t <= 4400; t += 200) {
      tracker.hold(t);
      expect(tracker.tick(t)).toEqual([]);
    }
    expect(tracker.update(4600, [face])).toEqual([]); // the periodic inference finds it again
    expect(tracker.tick(6700)).toEqual([]); // 2.1 s without any frame is silence, not absence
    expect(tracker.update(6800, [])).toEqual([]); // an inference that misses it
    tracker.hold(7000); // and a frame without motion after it: two frames missed it
    expect(tracker.tick(7000).map((c) => c.kind)).toEqual(['end']); // unseen and not held: it ends
    // A track the last inference missed (the face left, the scene is still again) is not held.
    tracker.update(10_000, [face]);
    tracker.update(10_200, [face]);
    expect(tracker.update(10_400, [face]).map((c) => c.kind)).toEqual(['start']);
    expect(tracker.update(10_600, [])).toEqual([]);
    for (let t = 10_800; t <= 12_400; t += 200) {
      tracker.hold(t);
      expect(tracker.tick(t)).toEqual([]);
    }
    tracker.hold(12_800);
    expect(tracker.tick(12_800).map((c) => c.kind)).toEqual(['end']);
    tracker.update(20_000, [face]);
    tracker.update(20_200, [{ ...face, box: { ...face.box, x: 0.45 } }]);
    expect(tracker.active()).toBe(true); // moved
  });
});

describe('the model rate in the ffmpeg plan', () => {
  const plan = (maxFps?: number, detectFps?: number) =>
    planFfmpeg({ source: { kind: 'file', path: 'clip.mp4' }, width: 128, height: 128, maxFps, detectFps, preview: null }).args.join(' ');
  it('is the lower of maxFps and detect.fps, and unset without either', () => {
    expect(plan(undefined, 5)).toContain('[0:v]fps=5,');
    expect(plan(15, 5)).toContain('[0:v]fps=5,');
    expect(plan(2, 5)).toContain('[0:v]fps=2,');
    expect(plan()).not.toContain('fps=');
  });
});
