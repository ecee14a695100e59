/**
 * npm run detect as a real process, with every model name, and what it says about bad input:
 * one line naming the file (operator item 9), an answer for every image and a non-zero exit
 * whenever one failed, never a hang (security item 3).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/engine/paths';
import { fixtures } from '../engine/helpers';
import { sleep } from '../support/process';

const dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-detect-'));
const env = { ...process.env, MULTICAM_MODEL_CACHE: path.join(dir, 'cache') };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tsx = path.join(projectRoot(), 'node_modules', '.bin', 'tsx');
const cli = path.join(projectRoot(), 'src', 'cli', 'detect.ts');
function detect(...args: string[]) {
  const r = spawnSync(tsx, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.trim().split('\n').filter(Boolean) };
}

/** A PNG whose header claims width x height, with a tiny (wrong) body: only the header is read. */
function pngHeaderOnly(file: string, width: number, height: number): void {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    return out; // CRC left zero: never reached
  };
  writeFileSync(file, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64)))]));
}

describe('npm run detect with every model', () => {
  it('prints {label, score, box, keypoints?} per detection for objects, face-mesh and pose', () => {
    const astronaut = path.join(fixtures, 'astronaut.png');
    const objects = detect('--model', 'objects', astronaut, path.join(fixtures, 'rocket.jpg'));
    expect(objects.code).toBe(0);
    const [a, r] = objects.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const person = a.detections.find((d: { label: string }) => d.label === 'person');
    expect(person.score).toBeGreaterThanOrEqual(0.5);
    expect(Object.keys(person).sort()).toEqual(['box', 'label', 'score']);
    expect(r.detections.filter((d: { label: string }) => d.label === 'person')).toEqual([]);
    const mesh = JSON.parse(detect('--model', 'face-mesh', astronaut).stdout);
    expect(mesh.detections[0]).toMatchObject({ label: 'face' });
    expect(mesh.detections[0].keypoints).toHaveLength(468);
    const pose = JSON.parse(detect('--model', 'pose', astronaut).stdout);
    expect(pose.detections[0]).toMatchObject({ label: 'person' });
    expect(pose.detections[0].keypoints).toHaveLength(33);
  });
});

describe('npm run detect messages (one clear line each)', () => {
  it('a truncated PNG and a directory: one line naming the file; the other images still answered', () => {
    const truncated = path.join(dir, 'truncated.png');
    const real = readFileSync(path.join(fixtures, 'astronaut.png'));
    writeFileSync(truncated, real.subarray(0, real.length >> 1));
    const folder = path.join(dir, 'folder.png');
    mkdirSync(folder, { recursive: true });
    const r = detect(truncated, folder, path.join(fixtures, 'rocket.jpg'));
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`detect: cannot read ${truncated}: the PNG file is truncated or damaged`, `detect: cannot read ${folder}: it is a directory, not an image file`]);
    expect(JSON.parse(r.stdout).file).toBe('rocket.jpg');
  });

  it('--model nosuch: one line listing the known models', () => {
    const r = detect('--model', 'nosuch', path.join(fixtures, 'rocket.jpg'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.lines).toEqual(['detect: unknown model nosuch (known models: face-short, face-full, objects, face-mesh, pose; or the path of a .tflite file)']);
  });
});

describe('npm run detect never hangs and never exits 0 after a failure', () => {
  it('refuses a 12000x12000 and a 16385x2 PNG from their headers, answers the rest, exits 1', () => {
    const huge = path.join(dir, 'huge.png');
    pngHeaderOnly(huge, 12000, 12000);
    const wide = path.join(dir, 'wide.png');
    const png = new PNG({ width: 16385, height: 2 });
    writeFileSync(wide, PNG.sync.write(png));
    const r = detect(huge, wide, path.join(fixtures, 'rocket.jpg'));
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `detect: cannot read ${huge}: the picture is 12000x12000; at most 16384 pixels a side and 40 megapixels are accepted`,
      `detect: cannot read ${wide}: the picture is 16385x2; at most 16384 pixels a side and 40 megapixels are accepted`,
    ]);
    expect(JSON.parse(r.stdout).file).toBe('rocket.jpg');
  });

  it('when the worker dies mid-run, the frame in flight and the rest fail with the reason, exit 1', async () => {
    const images = Array.from({ length: 40 }, () => path.join(fixtures, 'astronaut.png'));
    const child = spawn(tsx, [cli, '--model', 'objects', ...images], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 1200 && !stdout.includes('\n'); i++) await sleep(100);
    expect(stdout).toContain('\n');
    // The camera worker is a descendant of the CLI running camera-worker.
    const ps = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    const descendants = new Set([child.pid!]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, ppid] of ps) if (descendants.has(Number(ppid)) && !descendants.has(Number(pid))) descendants.add(Number(pid)), (grew = true);
    }
    const worker = ps.find(([pid, , ...args]) => descendants.has(Number(pid)) && args.join(' ').includes('camera-worker'));
    expect(worker).toBeDefined();
    process.kill(Number(worker![0]), 'SIGKILL');
    const code = await exited;
    expect(code).toBe(1);
    const answered = stdout.trim().split('\n').length;
    const failed = stderr.trim().split('\n').filter((l) => /^detect: .*astronaut\.png: the worker/.test(l)).length;
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(answered + failed).toBe(images.length);
  });
});
