/**
 * Model files from the npm packages: offsets from the packed-assets loaders, sha256 pinned in the
 * manifest, a clear error per model when a package or a file is wrong, and a file tampered with
 * in the cache failing its checksum where the worker reads it, with the camera saying why.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelAssetError, parseLoaderFiles, readTextAsset, resolveAsset, type ResolveContext } from '../../src/engine/models/assets';
import { projectRoot, resolveModel } from '../../src/engine/paths';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import { parseLabelMap } from '../../src/engine/models/label-map';
import { findManifestModel, manifest } from '../../src/shared/models';
import { fixtureFrame, makeSupervisor } from '../engine/helpers';

let cache: string;
let supervisor: CameraSupervisor | undefined;
const savedCache = process.env.MULTICAM_MODEL_CACHE;
beforeAll(() => {
  cache = mkdtempSync(path.join(os.tmpdir(), 'multicam-models-'));
  process.env.MULTICAM_MODEL_CACHE = cache;
});
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.MULTICAM_MODEL_CACHE;
  else process.env.MULTICAM_MODEL_CACHE = savedCache;
  rmSync(cache, { recursive: true, force: true });
});

const ctx = (): ResolveContext => ({ packageJson: path.join(projectRoot(), 'package.json'), cacheDir: cache });

describe('packed assets', () => {
  it("reads each file's byte range from the loader script", () => {
    const loader = readFileSync(path.join(projectRoot(), 'node_modules/@mediapipe/pose/pose_solution_packed_assets_loader.js'), 'utf8');
    expect(parseLoaderFiles(loader)).toEqual([{ filename: '/third_party/mediapipe/modules/pose_detection/pose_detection.tflite', start: 0, end: 2962288 }]);
    expect(() => parseLoaderFiles('var x = 1;')).toThrow(ModelAssetError);
  });

  it('extracts every manifest file and checks it against its pinned sha256', () => {
    const lines: string[] = [];
    for (const m of manifest.models) {
      for (const asset of [m, ...(m.landmarks ? [m.landmarks] : [])]) {
        const file = resolveAsset(asset, { ...ctx(), progress: (l) => lines.push(l) });
        expect(readFileSync(file).length).toBeGreaterThan(100_000);
      }
    }
    expect(lines.some((l) => /^extracting face_landmark\.tflite \(1\.2 MB\) from @mediapipe\/face_mesh/.test(l))).toBe(true);
  });

  it("the objects label map lists the manifest's labels after the background", () => {
    const m = findManifestModel('objects')!;
    const labels = parseLabelMap(readTextAsset({ ...m.labelMap!, package: m.package }, ctx()));
    expect(labels).toEqual(['???', ...m.labels]);
    expect(resolveModel('objects').labels).toEqual(labels);
    expect(m.defaultLabels).toEqual(['Person', 'Car', 'Vehicle', 'Bicycle', 'Dog', 'Cat']);
  });

  it('a missing package or a wrong pin is a clear error for that model alone', () => {
    const objects = findManifestModel('objects')!;
    expect(() => resolveAsset({ ...objects, package: '@mediapipe/no-such-package' }, ctx())).toThrow(/npm package @mediapipe\/no-such-package is not installed/);
    const other = mkdtempSync(path.join(os.tmpdir(), 'multicam-models-'));
    try {
      expect(() => resolveAsset({ ...objects, sha256: '0'.repeat(64) }, { ...ctx(), cacheDir: other })).toThrow(/does not match the sha256 the manifest pins/);
      expect(() => resolveAsset({ ...objects, packed: { ...objects.packed!, member: '/nope.tflite' } }, { ...ctx(), cacheDir: other })).toThrow(/does not list \/nope\.tflite/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    expect(resolveModel('pose').landmarkPath).toMatch(/pose_landmark_lite\.tflite$/);
  });
});

describe('a tampered extracted file', () => {
  it('fails its checksum in the worker; the camera is in error saying why, the others run', async () => {
    const landmark = resolveModel('face-mesh').landmarkPath!;
    const original = readFileSync(landmark);
    const tampered = Buffer.from(original);
    tampered[tampered.length >> 1] ^= 0xff;
    writeFileSync(landmark, tampered);
    try {
      supervisor = makeSupervisor();
      const good = supervisor.addCamera({ name: 'objects', source: { kind: 'external' }, model: 'objects' });
      const bad = supervisor.addCamera({ name: 'mesh', source: { kind: 'external' }, model: 'face-mesh' });
      const status = await supervisor.waitForState(bad, 'error', 60_000);
      expect(status.error).toMatch(/model face-mesh: .*face_landmark\.tflite fails its checksum .*delete the file so that it is extracted again/);
      expect(status.restarts).toBe(0);
      const running = await supervisor.waitForState(good, 'running', 60_000);
      expect(running.modelInfo).toMatchObject({ decoder: 'ssd', inputWidth: 300 });
      const result = await new Promise<unknown>((resolve) => {
        supervisor!.on('result', resolve);
        supervisor!.pushFrame(good, fixtureFrame('astronaut.png', 300));
      });
      expect((result as { detections: Array<{ label: string }> }).detections.map((d) => d.label)).toContain('person');
    } finally {
      writeFileSync(landmark, original);
    }
  });
});
