/**
 * The bench as a user runs it: a real child process at one short setting, writing JSON and SVG
 * to a temporary folder. Checks the output's shape and correctness, never its speed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BenchJsonSchema } from '../../bench/lib/schema';
import { tsxExecArgv } from '../../bench/lib/tsx';
import { readCapacityFile } from '../../src/engine/capacity';
import { projectRoot } from '../../src/engine/paths';
import { tempDir } from '../support/tmp';

const ROOT = projectRoot();
const dir = tempDir('bench-test-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// browser-wasm runs wherever the E2E tests do: the Chromium of e2e/support/chromium.ts (npm brings one).
const strategies = ['shared-lock', 'process-per-camera', 'browser-wasm', 'seed-python'];

function runBench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...tsxExecArgv(), path.join(ROOT, 'bench', 'run.ts'), ...args],
      // Without --config-dir the ceiling goes to the default configuration folder: a temporary one here.
      { cwd: ROOT, timeout: 240_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, XDG_CONFIG_HOME: path.join(dir, 'xdg') } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run bench', () => {
  it('writes well-formed JSON, a table and an SVG chart, with every answer attributed to its own stream', { timeout: 250_000 }, async () => {
    const json = path.join(dir, 'out.json');
    const svg = path.join(dir, 'out.svg');
    const configDir = path.join(dir, 'config');
    const r = await runBench(['--seconds', '0.5', '--streams', '1,2', '--strategies', strategies.join(','), '--json', json, '--svg', svg, '--config-dir', configDir]);
    expect(r.code, r.stderr).toBe(0);

    const data = BenchJsonSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(data.machine.cores).toBe(os.availableParallelism());
    // The limit: N processes at once for N = 1 .. cores; ips is the rate at N = cores.
    const cores = data.machine.cores;
    expect(data.limit.concurrent.map((c) => c.processes)).toEqual(Array.from({ length: cores }, (_, i) => i + 1));
    for (const c of data.limit.concurrent) expect(c.ips).toBeGreaterThan(0);
    expect(data.limit.ips).toBe(data.limit.concurrent[cores - 1].ips);
    expect(data.limit.single_thread_ips).toBe(data.limit.concurrent[0].ips);
    expect(data.limit.linear_ips).toBeCloseTo(data.limit.single_thread_ips * cores, 6);

    // seed-python runs where Python has TensorFlow; elsewhere it is skipped, saying why.
    const seedSkipped = data.skipped.find((x) => x.strategy === 'seed-python');
    if (seedSkipped) expect(seedSkipped.reason).toMatch(/TensorFlow|python/i);
    expect(data.skipped.filter((x) => x.strategy !== 'seed-python')).toEqual([]);
    const ran = strategies.filter((s) => s !== 'seed-python' || !seedSkipped);
    if (!seedSkipped) {
      for (const variant of ['mutex', 'pool']) expect(data.results.filter((x) => x.strategy === 'seed-python' && x.variant === variant)).toHaveLength(2);
    }

    // Every strategy at every N has a row (shared-lock may have two: 1 thread and its best count).
    for (const s of ran) {
      for (const n of [1, 2]) {
        const rows = data.results.filter((x) => x.strategy === s && x.streams === n);
        expect(rows.length, `${s} N=${n}`).toBeGreaterThan(0);
      }
    }
    expect(data.results.some((x) => x.strategy === 'shared-lock' && x.threads === 1)).toBe(true);
    for (const row of data.results) {
      expect(row.ips, `${row.strategy} N=${row.streams}`).toBeGreaterThan(0);
      expect(row.frames).toBeGreaterThan(0);
      expect(row.misattributed, `${row.strategy} N=${row.streams}`).toBe(0);
      expect(row.ratio_to_limit).toBeCloseTo(row.ips / data.limit.ips, 6);
      expect(row.p95_ms).toBeGreaterThanOrEqual(row.p50_ms);
      if (row.strategy === 'browser-wasm') expect(row.long_tasks).toBeDefined();
    }
    expect(data.correctness.misattributed_total).toBe(0);

    // The first paragraph says what was measured and what it means, in plain words.
    expect(r.stdout.startsWith(data.summary.text)).toBe(true);
    const flat = data.summary.text.replace(/\n/g, ' ');
    expect(flat).toMatch(/Measured: how many face-short detections/);
    expect(flat).toMatch(/serves about [\d,]+ cameras? at 30 fps/);
    expect(data.summary.app?.streams).toBe(2);
    expect(data.summary.cameras_at_fps.find((c) => c.fps === 30)?.cameras).toBe(Math.floor(data.summary.app!.ips / 30));
    expect(data.summary.text.includes('WARNING')).toBe(data.summary.busy);
    expect(r.stdout).not.toMatch(/\bFAIL\b|misattr|zod/);

    // The interleaving demo shows the hazard without a lock and none with one.
    const demo = data.correctness.interleaving;
    if (!('unlocked' in demo)) throw new Error(`interleaving demo skipped: ${demo.skipped}`);
    expect(demo.infer_is_synchronous).toBe(true);
    expect(demo.unlocked.misattributed).toBeGreaterThan(0);
    expect(demo.locked.misattributed).toBe(0);
    expect(demo.detector_run.misattributed).toBe(0);

    if (!('pieces' in data.overhead)) throw new Error('no overhead breakdown');
    expect(data.overhead.runs.map((x) => x.streams)).toEqual([1, 2]);
    // The message ceiling ran with one and two in flight: one echo process per core, each waiting one inference's time.
    const ceiling = data.overhead.message_ceiling;
    if (!ceiling) throw new Error('no message ceiling');
    expect(ceiling.map((c) => c.in_flight)).toEqual([1, 2]);
    for (const c of ceiling) {
      expect(c.processes).toBe(data.machine.cores);
      expect(c.spin_ms).toBeCloseTo((data.machine.cores * 1000) / data.limit.ips, 6);
      expect(c.ips).toBeGreaterThan(0);
      expect(c.ratio_to_limit).toBeCloseTo(c.ips / data.limit.ips, 6);
    }
    expect(r.stdout).toContain('The message ceiling');
    // process-per-camera as a share of that ceiling, at the run's one frame in flight.
    const roof = ceiling.find((c) => c.in_flight === 1)!;
    for (const run of data.overhead.runs) {
      const row = data.results.find((x) => x.strategy === 'process-per-camera' && x.streams === run.streams)!;
      expect(run.ips).toBe(row.ips);
      expect(run.share_of_message_ceiling).toBeCloseTo(row.ips / roof.ips, 6);
    }
    expect(r.stdout).toMatch(/process-per-camera N=2: .* of the message ceiling/);

    const chart = readFileSync(svg, 'utf8');
    expect(chart.startsWith('<svg')).toBe(true);
    expect(chart).toContain('limit');
    for (const s of ran) expect(chart).toContain(s);
    expect(chart).toContain('1 process x');

    expect(r.stdout).toContain('process-per-camera');
    // The app reads the ceiling from its configuration folder (capacity.json), not from bench/.
    expect(readCapacityFile(path.join(configDir, 'capacity.json'))).toEqual({ ips: data.limit.ips, source: 'bench' });
  });

  it('runs with a single stream', { timeout: 120_000 }, async () => {
    const json = path.join(dir, 'one.json');
    const r = await runBench(['--seconds', '0.3', '--streams', '1', '--strategies', 'shared-lock', '--json', json, '--svg', path.join(dir, 'one.svg')]);
    expect(r.code, r.stderr).toBe(0);
    const data = BenchJsonSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(data.results.map((x) => x.streams)).toEqual(data.results.map(() => 1));
    expect(data.results.length).toBeGreaterThan(0);
    expect(data.summary.app).toBeNull();
  });

  it('rejects unknown options and strategies with a usage line', async () => {
    const r = await runBench(['--strategies', 'no-such-strategy']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('usage: npm run bench');
  });
});

describe('readCapacityFile', () => {
  it('reads limit.ips, and is null for a missing, broken or foreign result', () => {
    const file = path.join(dir, 'capacity.json');
    expect(readCapacityFile(path.join(dir, 'missing.json'))).toBeNull();
    writeFileSync(file, '{ not json');
    expect(readCapacityFile(file)).toBeNull();
    writeFileSync(file, JSON.stringify({ limit: { ips: 0 } }));
    expect(readCapacityFile(file)).toBeNull();
    writeFileSync(file, JSON.stringify({ machine: { cores: os.availableParallelism() + 1 }, limit: { ips: 1000 } }));
    expect(readCapacityFile(file)).toBeNull();
    writeFileSync(file, JSON.stringify({ machine: { cores: os.availableParallelism() }, limit: { ips: 1234.5 } }));
    expect(readCapacityFile(file)).toEqual({ ips: 1234.5, source: 'bench' });
  });
});
