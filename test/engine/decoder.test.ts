/**
 * The BlazeFace decoder on the real model and the real interpreter (with XNNPACK), in-process:
 * the astronaut has one face where MediaPipe puts it; the rocket has none.
 */
import { describe, expect, it } from 'vitest';
import { resolveModel, xnnpackPluginPath } from '../../src/engine/paths';
import { generateAnchors } from '../../src/workers/decoders/blazeface';
import { Detector } from '../../src/workers/detector';
import { fixtureFrame } from './helpers';

function detector(model = 'face-short', delegate: 'xnnpack' | 'none' = 'xnnpack') {
  const resolved = resolveModel(model);
  return new Detector({ modelPath: resolved.path, modelName: resolved.name, threads: 1, delegate, delegatePath: xnnpackPluginPath() });
}

describe('SSD anchors', () => {
  it('short-range: strides 8,16,16,16 with 2 anchors a layer give 896 anchors', () => {
    const anchors = generateAnchors({ inputWidth: 128, inputHeight: 128, strides: [8, 16, 16, 16], anchorsPerLayer: 2, anchorOffset: 0.5 });
    expect(anchors).toHaveLength(896);
    // 16x16 cells x 2 first, then 8x8 cells x 6 (three merged layers).
    expect(anchors[0]).toEqual({ x: 0.5 / 16, y: 0.5 / 16 });
    expect(anchors[1]).toEqual(anchors[0]);
    expect(anchors[512]).toEqual({ x: 0.5 / 8, y: 0.5 / 8 });
    expect(anchors[517]).toEqual(anchors[512]);
    expect(anchors[518]).toEqual({ x: 1.5 / 8, y: 0.5 / 8 });
  });

  it('full-range: one stride-4 layer gives 2304 anchors', () => {
    expect(generateAnchors({ inputWidth: 192, inputHeight: 192, strides: [4], anchorsPerLayer: 1, anchorOffset: 0.5 })).toHaveLength(2304);
  });
});

describe('BlazeFace short-range on the real interpreter', () => {
  const d = detector();

  it('runs with XNNPACK and reports the model', () => {
    expect(d.delegate).toBe('xnnpack');
    expect(d.info).toMatchObject({ name: 'face-short', decoder: 'blazeface', inputWidth: 128, inputHeight: 128 });
  });

  it('finds the one face in the astronaut picture at the reference box and score', () => {
    const frame = fixtureFrame('astronaut.png');
    const { detections } = d.run(frame.data, frame.letterbox);
    expect(detections).toHaveLength(1);
    const [face] = detections;
    expect(face.score).toBeCloseTo(0.92, 1);
    expect(face.box.x).toBeCloseTo(0.35, 2);
    expect(face.box.y).toBeCloseTo(0.159, 2);
    expect(face.box.w).toBeCloseTo(0.181, 2);
    expect(face.box.h).toBeCloseTo(0.181, 2);
    expect(face.keypoints).toHaveLength(6);
    for (const k of face.keypoints) {
      expect(k.x).toBeGreaterThan(face.box.x - 0.05);
      expect(k.x).toBeLessThan(face.box.x + face.box.w + 0.05);
    }
  });

  it('finds no face in the rocket picture', () => {
    const frame = fixtureFrame('rocket.jpg');
    expect(frame.letterbox.h).toBeLessThan(1); // 640x427: letterboxed top and bottom
    expect(d.run(frame.data, frame.letterbox).detections).toEqual([]);
  });

  it('undoes the letterbox: the face in a taller picture maps back to the same place', async () => {
    // The astronaut pasted at the bottom of a 512x600 black picture (letterboxed left and right).
    const { letterboxRgb } = await import('../../src/shared/letterbox');
    const src = fixtureFrame('astronaut.png', 512);
    const tall = new Uint8Array(512 * 600 * 4);
    for (let y = 0; y < 512; y++) {
      for (let x = 0; x < 512; x++) {
        const s = (y * 512 + x) * 3;
        const o = ((y + 88) * 512 + x) * 4;
        tall.set(src.data.subarray(s, s + 3), o);
        tall[o + 3] = 255;
      }
    }
    const { data, letterbox } = letterboxRgb(tall, 512, 600, 4, 128, 128);
    expect(letterbox.x).toBeGreaterThan(0);
    const { detections } = d.run(data, letterbox);
    expect(detections).toHaveLength(1);
    expect(detections[0].box.x).toBeCloseTo(0.35, 1);
    expect(detections[0].box.y * 600).toBeCloseTo(0.159 * 512 + 88, -1);
    expect(detections[0].box.w).toBeCloseTo(0.181, 1);
    expect(detections[0].box.h * 600).toBeCloseTo(0.181 * 512, -1);
  });

  it('honours a higher score threshold', () => {
    const strict = detector();
    strict.scoreThreshold = 0.99;
    const frame = fixtureFrame('astronaut.png');
    expect(strict.run(frame.data, frame.letterbox).detections).toEqual([]);
  });

  it('gives the same answer without a delegate', () => {
    const plain = detector('face-short', 'none');
    expect(plain.delegate).toBe('none');
    const frame = fixtureFrame('astronaut.png');
    const [face] = plain.run(frame.data, frame.letterbox).detections;
    expect(face.box.x).toBeCloseTo(0.35, 2);
  });
});

describe('BlazeFace full-range on the real interpreter', () => {
  it('finds the astronaut face with the 192x192 model', () => {
    const d = detector('face-full');
    expect(d.info.inputWidth).toBe(192);
    const frame = fixtureFrame('astronaut.png', 192);
    const { detections } = d.run(frame.data, frame.letterbox);
    expect(detections).toHaveLength(1);
    expect(detections[0].box.x).toBeCloseTo(0.35, 1);
    expect(detections[0].box.y).toBeCloseTo(0.16, 1);
  });
});
