/**
 * The decoders against the MediaPipe graph options they implement (models/manifest.json names the
 * .pbtxt of each): anchors, box decoding, per-class NMS, TF Lite's post-processing outputs, the
 * landmark stage's region of interest, crop and projection. Synthetic tensors, known answers.
 */
import { describe, expect, it } from 'vitest';
import { decodeLandmarks, presenceScore } from '../../src/workers/decoders/landmarks';
import { decodePostProcess, findPostProcessOutputs } from '../../src/workers/decoders/postprocess';
import { cropRotated, projectToFrame, roiFromDetection } from '../../src/workers/decoders/roi';
import { parseLabelMap } from '../../src/engine/models/label-map';
import { SsdDecoder } from '../../src/workers/decoders/ssd';
import { generateSsdAnchors, layerScale } from '../../src/workers/decoders/ssd-anchors';
import { findManifestModel, type SsdDecoderSpec } from '../../src/shared/models';

const objects = findManifestModel('objects')!;
const spec = objects.decoder as SsdDecoderSpec;
const FULL = { x: 0, y: 0, w: 1, h: 1 };

describe('SSD anchors (object_detection_oid_v4_cpu.pbtxt: 6 layers, scales 0.2-0.95, 5 aspect ratios)', () => {
  const anchors = generateSsdAnchors(spec.anchors, 300, 300);

  it('gives the model its 1917 boxes: 19x19x3, then 10x10, 5x5, 3x3, 2x2, 1x1 cells of 6', () => {
    expect(spec.anchors).toMatchObject({ numLayers: 6, minScale: 0.2, maxScale: 0.95, strides: [16, 32, 64, 128, 256, 512], reduceBoxesInLowestLayer: true });
    expect(anchors).toHaveLength(1917);
    expect(19 * 19 * 3 + (100 + 25 + 9 + 4 + 1) * 6).toBe(1917);
  });

  it('reduces the lowest layer to scale 0.1 at ratio 1 and the layer scale at ratios 2 and 1/2', () => {
    const [a, b, c] = anchors;
    expect(a).toMatchObject({ x: 0.5 / 19, y: 0.5 / 19 });
    expect(a.w).toBeCloseTo(0.1, 6);
    expect(a.h).toBeCloseTo(0.1, 6);
    expect(b.w).toBeCloseTo(0.2 * Math.SQRT2, 6);
    expect(b.h).toBeCloseTo(0.2 / Math.SQRT2, 6);
    expect(c.w).toBeCloseTo(0.2 / Math.SQRT2, 6);
    expect(anchors[3]).toMatchObject({ x: 1.5 / 19, y: 0.5 / 19 });
  });

  it('adds an interpolated box at sqrt(scale x next scale), and 1.0 after the last layer', () => {
    const second = anchors.slice(1083, 1089);
    const s1 = layerScale(0.2, 0.95, 1, 6);
    const s2 = layerScale(0.2, 0.95, 2, 6);
    expect(s1).toBeCloseTo(0.35, 6);
    expect(second.map((a) => a.w / a.h).map((r) => Math.round(r * 100) / 100)).toEqual([1, 2, 0.5, 3, 0.33, 1]);
    expect(second[0].w).toBeCloseTo(s1, 6);
    expect(second[5].w).toBeCloseTo(Math.sqrt(s1 * s2), 6);
    const last = anchors[1916];
    expect(last).toMatchObject({ x: 0.5, y: 0.5 });
    expect(last.w).toBeCloseTo(Math.sqrt(0.95 * 1), 6);
  });

  it('pose_detection_cpu.pbtxt options give 2254 fixed-size anchors', () => {
    const pose = generateSsdAnchors(
      { numLayers: 5, minScale: 0.1484375, maxScale: 0.75, strides: [8, 16, 32, 32, 32], aspectRatios: [1], anchorOffset: 0.5, reduceBoxesInLowestLayer: false, interpolatedScaleAspectRatio: 1, fixedAnchorSize: true },
      224,
      224,
    );
    expect(pose).toHaveLength(2254);
    expect(pose.every((a) => a.w === 1 && a.h === 1)).toBe(true);
  });
});

describe('SSD box decoding (TensorsToDetections: y, x, h, w; scales 10/10/5/5; exp sizes; sigmoid scores)', () => {
  const labels = ['???', ...objects.labels];
  const decoder = new SsdDecoder(spec, 300, 300, labels);
  const person = labels.indexOf('Person');
  const car = labels.indexOf('Car');
  const logit = (p: number) => Math.log(p / (1 - p));

  function tensors(entries: Array<{ anchor: number; enc: [number, number, number, number]; cls: number; p: number }>) {
    const boxes = new Float32Array(spec.numBoxes * 4);
    const scores = new Float32Array(spec.numBoxes * spec.numClasses).fill(-20);
    for (const e of entries) {
      boxes.set(e.enc, e.anchor * 4);
      scores[e.anchor * spec.numClasses + e.cls] = logit(e.p);
      // The background class scores high everywhere and is ignored (ignore_classes: 0).
      scores[e.anchor * spec.numClasses] = 10;
    }
    return { boxes, scores };
  }

  it('decodes offsets relative to the anchor and names the class from the label map', () => {
    const a = decoder.anchors[1916];
    const { boxes, scores } = tensors([{ anchor: 1916, enc: [1, -2, 5 * Math.log(0.5), 0], cls: person, p: 0.9 }]);
    const [d] = decoder.decode(boxes, scores, FULL);
    expect(d.label).toBe('Person');
    expect(d.score).toBeCloseTo(0.9, 5);
    const cy = a.y + (1 / 10) * a.h;
    const cx = a.x + (-2 / 10) * a.w;
    const h = 0.5 * a.h;
    expect(d.box.x).toBeCloseTo(cx - a.w / 2, 5);
    expect(d.box.y).toBeCloseTo(cy - h / 2, 5);
    expect(d.box.w).toBeCloseTo(a.w, 5);
    expect(d.box.h).toBeCloseTo(h, 5);
  });

  it('drops scores under the threshold and labels the camera did not choose', () => {
    const { boxes, scores } = tensors([
      { anchor: 1916, enc: [0, 0, 0, 0], cls: person, p: 0.25 },
      { anchor: 1915, enc: [0, 0, 0, 0], cls: car, p: 0.8 },
    ]);
    // The objects model's own threshold (0.3) drops the 0.25 person.
    expect(decoder.decode(boxes, scores, FULL).map((d) => d.label)).toEqual(['Car']);
    expect(decoder.decode(boxes, scores, FULL, 0.2).map((d) => d.label)).toEqual(['Car', 'Person']);
    expect(decoder.decode(boxes, scores, FULL, 0.2, new Set(['Person'])).map((d) => d.label)).toEqual(['Person']);
  });

  it('suppresses overlapping boxes of one class only (IoU 0.5)', () => {
    // Anchors 1910..1915 share the last-but-one cell: same centre, different shapes.
    const { boxes, scores } = tensors([
      { anchor: 1110, enc: [0, 0, 0, 0], cls: person, p: 0.9 },
      { anchor: 1110 + 6, enc: [0, 0, 0, 0], cls: car, p: 0.8 },
    ]);
    // Two neighbours in the same cell with the same shape overlap fully.
    const same = tensors([
      { anchor: 1916, enc: [0, 0, 0, 0], cls: person, p: 0.9 },
      { anchor: 1915, enc: [0, 0, 0, 0], cls: person, p: 0.8 },
    ]);
    same.boxes.set([0, 0, 5 * Math.log(decoder.anchors[1916].h / decoder.anchors[1915].h), 5 * Math.log(decoder.anchors[1916].w / decoder.anchors[1915].w)], 1915 * 4);
    expect(decoder.decode(same.boxes, same.scores, FULL)).toHaveLength(1);
    const mixed = tensors([
      { anchor: 1916, enc: [0, 0, 0, 0], cls: person, p: 0.9 },
      { anchor: 1915, enc: [0, 0, 0, 0], cls: car, p: 0.8 },
    ]);
    mixed.boxes.set(same.boxes.subarray(1915 * 4, 1916 * 4), 1915 * 4);
    expect(decoder.decode(mixed.boxes, mixed.scores, FULL).map((d) => d.label)).toEqual(['Person', 'Car']);
    expect(decoder.decode(boxes, scores, FULL)).toHaveLength(2);
  });

  it('maps boxes back through the letterbox', () => {
    const { boxes, scores } = tensors([{ anchor: 1916, enc: [0, 0, 0, 0], cls: person, p: 0.9 }]);
    const [d] = decoder.decode(boxes, scores, { x: 0, y: 0.25, w: 1, h: 0.5 });
    const a = decoder.anchors[1916];
    expect(d.box.y).toBeCloseTo((a.y - a.h / 2 - 0.25) / 0.5, 5);
    expect(d.box.h).toBeCloseTo(a.h / 0.5, 5);
  });

  it('reads a label map one label a line, class 0 first', () => {
    expect(parseLabelMap('???\r\nPerson\nCar\n\n')).toEqual(['???', 'Person', 'Car']);
  });
});

describe("TF Lite's detection post-processing outputs (boxes, classes, scores, count)", () => {
  it('are recognised by shape, in the exporter order', () => {
    expect(findPostProcessOutputs([{ shape: [1, 10, 4] }, { shape: [1, 10] }, { shape: [1, 10] }, { shape: [1] }])).toEqual({ boxes: 0, classes: 1, scores: 2, count: 3 });
    expect(findPostProcessOutputs([{ shape: [1, 1917, 4] }, { shape: [1, 1917, 24] }])).toBeNull();
    expect(findPostProcessOutputs([{ shape: [1, 10, 4] }, { shape: [1, 10] }, { shape: [1, 9] }, { shape: [1] }])).toBeNull();
  });

  it('decode the first count boxes (ymin, xmin, ymax, xmax) with labels, skipping a ??? background line', () => {
    const boxes = new Float32Array([0.1, 0.2, 0.5, 0.6, 0, 0, 1, 1, 0, 0, 0.1, 0.1]);
    const classes = new Float32Array([1, 0, 0]);
    const scores = new Float32Array([0.9, 0.3, 0.95]);
    const out = decodePostProcess(boxes, classes, scores, 2, ['???', 'person', 'car'], FULL, 0.5);
    expect(out).toHaveLength(1);
    expect(out[0].label).toBe('car');
    expect(out[0].box.x).toBeCloseTo(0.2, 6);
    expect(out[0].box.y).toBeCloseTo(0.1, 6);
    expect(out[0].box.w).toBeCloseTo(0.4, 6);
    expect(out[0].box.h).toBeCloseTo(0.4, 6);
    expect(decodePostProcess(boxes, classes, scores, 2, ['person', 'car'], FULL, 0.2).map((d) => d.label)).toEqual(['car', 'person']);
    expect(decodePostProcess(boxes, classes, scores, 2, [], FULL, 0.5)[0].label).toBe('class 1');
  });
});

describe('landmark stage regions (face_detection_front_detection_to_roi.pbtxt, pose_detection_to_roi.pbtxt)', () => {
  const mesh = findManifestModel('face-mesh')!.landmarks!.decoder;
  const pose = findManifestModel('pose')!.landmarks!.decoder;

  it('face: the box centre, square on the long side, scaled 1.5, level eyes give no rotation', () => {
    expect(mesh).toMatchObject({ scale: 1.5, alignment: 'box', rotation: { startKeypoint: 0, endKeypoint: 1, targetDegrees: 0 } });
    const roi = roiFromDetection({ x: 0.4, y: 0.2, w: 0.2, h: 0.1 }, [{ x: 0.45, y: 0.25 }, { x: 0.55, y: 0.25 }], mesh, 200, 200);
    expect(roi.cx).toBeCloseTo(100, 6);
    expect(roi.cy).toBeCloseTo(50, 6);
    expect(roi.w).toBeCloseTo(0.2 * 200 * 1.5, 6);
    expect(roi.h).toBe(roi.w);
    expect(roi.rotation).toBeCloseTo(0, 6);
  });

  it('face: eyes tilted 30 degrees down to the right rotate the crop by 30 degrees', () => {
    const tilt = Math.PI / 6;
    const roi = roiFromDetection({ x: 0.4, y: 0.4, w: 0.2, h: 0.2 }, [{ x: 0.5, y: 0.5 }, { x: 0.5 + 0.1 * Math.cos(tilt), y: 0.5 + 0.1 * Math.sin(tilt) }], mesh, 100, 100);
    expect(roi.rotation).toBeCloseTo(tilt, 6);
  });

  it('pose: centred on the hips, twice the hip-to-head distance, scaled 1.25, upright gives no rotation', () => {
    expect(pose).toMatchObject({ scale: 1.25, alignment: 'keypoints', rotation: { targetDegrees: 90 } });
    const roi = roiFromDetection({ x: 0, y: 0, w: 1, h: 1 }, [{ x: 0.5, y: 0.6 }, { x: 0.5, y: 0.3 }], pose, 100, 100);
    expect(roi.cx).toBeCloseTo(50, 6);
    expect(roi.cy).toBeCloseTo(60, 6);
    expect(roi.w).toBeCloseTo(2 * 30 * 1.25, 6);
    expect(roi.rotation).toBeCloseTo(0, 6);
  });

  it('crop and projection agree: a marked pixel in a rotated crop projects back onto itself', () => {
    const W = 64;
    const rgb = new Uint8Array(W * W * 3);
    const mark = { x: 40, y: 20 };
    for (let c = 0; c < 3; c++) rgb[(mark.y * W + mark.x) * 3 + c] = 255;
    const roi = { cx: 32, cy: 32, w: 48, h: 48, rotation: 0.7 };
    const out = new Float32Array(96 * 96 * 3);
    const identity = new Float32Array(256).map((_, i) => i);
    cropRotated(rgb, W, W, roi, out, 96, 96, identity);
    let best = 0;
    let at = 0;
    for (let i = 0; i < 96 * 96; i++) if (out[i * 3] > best) [best, at] = [out[i * 3], i];
    const p = projectToFrame({ x: ((at % 96) + 0.5) / 96, y: (Math.floor(at / 96) + 0.5) / 96 }, roi, W, W);
    expect(Math.abs(p.x * W - (mark.x + 0.5))).toBeLessThan(1);
    expect(Math.abs(p.y * W - (mark.y + 0.5))).toBeLessThan(1);
  });

  it('landmarks are in input pixels, visibility through a sigmoid; the face flag through a sigmoid, the pose flag as is', () => {
    const t = new Float32Array([96, 48, 3, 0, 0, 192, 0, 1, 2, 0]);
    expect(decodeLandmarks(t, { numLandmarks: 2, valuesPerLandmark: 5 }, 192, 192)).toEqual([
      { x: 0.5, y: 0.25, v: 0.5 },
      { x: 1, y: 0, v: 1 / (1 + Math.exp(-2)) },
    ]);
    expect(decodeLandmarks(t, { numLandmarks: 3, valuesPerLandmark: 3 }, 192, 96)[0]).toEqual({ x: 0.5, y: 0.5 });
    expect(() => decodeLandmarks(t, { numLandmarks: 4, valuesPerLandmark: 3 }, 1, 1)).toThrow(/4 x 3 needed/);
    expect(presenceScore(0, mesh)).toBe(0.5);
    expect(presenceScore(0.7, pose)).toBe(0.7);
  });
});
