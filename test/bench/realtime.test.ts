/**
 * The real-time cost bench as a user runs it, in its short form: a real child process, real serve
 * mode, a real camera worker and ffmpeg on the scene made at run time. Checks that it runs and
 * that its JSON is well-formed and consistent; never a ratio or a time.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RealtimeJson } from '../../bench/lib/realtime-report';
import { tsxExecArgv } from '../../bench/lib/tsx';
import { CameraConfig } from '../../src/shared/contracts/config';
import { projectRoot } from '../../src/engine/paths';
import { tempDir } from '../support/tmp';

const ROOT = projectRoot();
const dir = tempDir('bench-realtime-test-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runRealtime(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...tsxExecArgv(), path.join(ROOT, 'bench', 'realtime.ts'), ...args], { cwd: ROOT, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run bench:realtime', () => {
  it('measures one object-detection camera in serve mode against its floor and writes well-formed JSON', { timeout: 300_000 }, async () => {
    const json = path.join(dir, 'realtime.json');
    const r = await runRealtime(['--cameras', '1', '--models', 'objects', '--modes', 'motion', '--seconds', '2', '--json', json]);
    expect(r.code, r.stderr).toBe(0);
    const data = RealtimeJson.parse(JSON.parse(readFileSync(json, 'utf8')));

    expect(data.machine.cores).toBe(os.availableParallelism());
    expect(data.run.clip).toMatchObject({ width: 1280, height: 720, fps: 15 });
    expect(data.run.record).toBe('record' in CameraConfig.shape ? 'events' : null);
    expect(data.skipped).toEqual([]);
    expect(data.models.map((m) => m.name)).toEqual(['objects']);
    expect(data.floors.map((f) => [f.model, f.cameras])).toEqual([['objects', 1]]);
    // The bare ffmpeg decoded frames, and serve mode's tree (serve, worker, ffmpeg) used CPU.
    expect(data.floors[0].decode_fps).toBeGreaterThan(0);

    expect(data.results).toHaveLength(1);
    const row = data.results[0];
    expect(row).toMatchObject({ model: 'objects', mode: 'motion', cameras: 1 });
    expect(row.processes).toBeGreaterThanOrEqual(3);
    expect(row.cores).toBeGreaterThan(0);
    expect(row.by_process.serve + row.by_process.workers + row.by_process.ffmpeg).toBeCloseTo(row.cores, 6);
    expect(row.by_process.ffmpeg).toBeGreaterThan(0);
    expect(row.frames).toBeGreaterThan(0);
    expect(row.inferences).toBeLessThanOrEqual(row.frames);
    // The floor is what it says: decoding plus the inferences run times one bare inference.
    const bare = data.models[0].bare_inference_cpu_ms;
    expect(row.floor.inference_cores).toBeCloseTo((row.inferences * bare) / 1000 / row.wall_seconds, 6);
    expect(row.floor.cores).toBeCloseTo(row.floor.decode_cores + row.floor.inference_cores, 6);
    expect(row.ratio_to_floor).toBeCloseTo(row.cores / row.floor.cores, 6);
    expect(row.cores_per_camera).toBeCloseTo(row.cores, 6);

    const sat = data.saturation.find((s) => s.model === 'objects' && s.mode === 'motion');
    expect(sat?.saturated_at).toBe(row.realtime ? null : 1);
    expect(sat?.estimated_cameras).toBe(Math.floor(data.machine.cores / row.cores_per_camera));

    // Plain words first, with the headline a user sizes a machine by.
    expect(r.stdout.startsWith(data.summary.text)).toBe(true);
    expect(data.summary.text).toContain(`this machine runs about ${data.summary.object_cameras} cameras at 1280×720 15 fps with object detection`);
    expect(data.summary.text.includes('WARNING')).toBe(data.machine.other_processes_cpu !== null && data.machine.other_processes_cpu > 0.1);
    expect(r.stdout).toContain('| objects | motion | 1 |');
  });
});
