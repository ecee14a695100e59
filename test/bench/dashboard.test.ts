/**
 * npm run bench:dashboard as a user runs it, at one short setting: serve mode, Chromium with one
 * fake camera, the page measured. Checks the table and the JSON are well-formed, never the speed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DashboardJson } from '../../bench/dashboard';
import { tsxExecArgv } from '../../bench/lib/tsx';
import { projectRoot } from '../../src/engine/paths';

const ROOT = projectRoot();
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-dashboard-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run bench:dashboard', () => {
  it('prints a table and writes JSON with the page frame rate, long tasks and each camera’s figures', { timeout: 300_000 }, async () => {
    const json = path.join(dir, 'dashboard.json');
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [...tsxExecArgv(), path.join(ROOT, 'bench', 'dashboard.ts'), '--cameras', '1,2', '--seconds', '1', '--json', json],
        { cwd: ROOT, timeout: 290_000, maxBuffer: 4 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.code, r.stderr).toBe(0);
    const data = DashboardJson.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(data.runs.map((run) => run.cameras)).toEqual([1, 2]);
    for (const run of data.runs) {
      expect(run.perCamera).toHaveLength(run.cameras);
      // Measured once every camera was inferring, so each has a rate; the page painted frames.
      for (const camera of run.perCamera) expect(camera.ips).toBeGreaterThan(0);
      expect(run.fps).toBeGreaterThan(0);
    }
    // The table: a header and one row per run, with the same camera counts.
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(lines[0]).toMatch(/cameras \| +page fps \| +long tasks/);
    expect(lines.slice(2).map((l) => Number(l.split('|')[1]))).toEqual([1, 2]);
    expect(r.stdout).toContain('JSON: ');
  });
});
