/** npm run detect, as a real process: one JSON line per image, clear one-line errors. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/engine/paths';
import { fixtures } from './helpers';
import { tempDir } from '../support/tmp';

function detect(...args: string[]) {
  const tsx = path.join(projectRoot(), 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [path.join(projectRoot(), 'src', 'cli', 'detect.ts'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run detect', () => {
  it('prints one JSON line per image with normalised detections', () => {
    const r = detect(path.join(fixtures, 'astronaut.png'), path.join(fixtures, 'rocket.jpg'));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ file: 'astronaut.png', width: 512, height: 512 });
    expect(lines[0].detections).toHaveLength(1);
    const face = lines[0].detections[0];
    expect(Object.keys(face).sort()).toEqual(['box', 'keypoints', 'label', 'score']);
    expect(face.label).toBe('face');
    expect(face.score).toBeCloseTo(0.92, 1);
    expect(face.box.x).toBeCloseTo(0.35, 2);
    expect(face.keypoints).toHaveLength(6);
    expect(lines[1]).toEqual({ file: 'rocket.jpg', width: 640, height: 427, detections: [] });
  });

  it('takes the full-range model by name', () => {
    const r = detect('--model', 'face-full', path.join(fixtures, 'astronaut.png'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).detections).toHaveLength(1);
  });

  it('exits non-zero with one clear line, no stack trace, when the model cannot be loaded', () => {
    const garbage = path.join(tempDir('multicam-cli-'), 'broken.tflite');
    writeFileSync(garbage, 'garbage'.repeat(100));
    const r = detect('--model', garbage, path.join(fixtures, 'astronaut.png'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^detect: cannot load model .*broken\.tflite/);
    expect(r.stderr).not.toMatch(/\n\s+at /);

    const missing = detect('--model', '/nonexistent/model.tflite', path.join(fixtures, 'astronaut.png'));
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^detect: cannot load model \/nonexistent\/model\.tflite: cannot use this file/);
  });

  it('reports an unreadable image on its own line and still answers the others', () => {
    const r = detect('/nonexistent.png', path.join(fixtures, 'rocket.jpg'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('detect: cannot read /nonexistent.png: no such file');
    expect(JSON.parse(r.stdout).file).toBe('rocket.jpg');
  });

  it('explains its usage without images', () => {
    const r = detect();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: npm run detect/);
  });
});
