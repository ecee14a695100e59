/**
 * The faults report (`npm run faults`) at a tiny setting: it runs, kills, and writes a well-formed
 * report. What the kill costs the other cameras is printed by the report, never asserted here.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { FaultsJsonSchema } from '../../bench/lib/faults-report';
import { tsxExecArgv } from '../../bench/lib/tsx';
import { pidAlive, ROOT } from './helpers';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'multicam-faults-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...tsxExecArgv(), path.join(ROOT, 'bench', 'faults.ts'), ...args], { cwd: ROOT, timeout: 110_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

it('npm run faults kills a worker, sees it replaced, and reports what it cost the others', { timeout: 120_000 }, async () => {
  const json = path.join(tmp, 'faults.json');
  const r = await run(['--cameras', '2', '--kills', '1', '--window-seconds', '1', '--json', json]);
  expect(r.code, r.stderr).toBe(0);
  const report = FaultsJsonSchema.parse(JSON.parse(readFileSync(json, 'utf8')));
  expect(report.cameras).toBe(2);
  expect(report.kills).toHaveLength(1);
  const [kill] = report.kills;
  expect(kill.cameraId).toBe('cam-1');
  expect(kill.newPid).not.toBeNull();
  expect(kill.newPid).not.toBe(kill.oldPid);
  expect(pidAlive(kill.oldPid)).toBe(false);
  expect(pidAlive(kill.newPid!)).toBe(false); // the report stopped its workers
  expect(kill.recoveryMs).not.toBeNull();
  expect(kill.othersBefore).toBeGreaterThan(0);
  expect(kill.ratio).toBeCloseTo(kill.othersAfter / kill.othersBefore, 9);
  expect(report.totals.allRecovered).toBe(true);
  // The first paragraph in plain words, then the details.
  expect(r.stdout.startsWith(report.summary.text)).toBe(true);
  const text = report.summary.text.replace(/\n/g, ' ');
  expect(text).toMatch(/killed \(SIGKILL\) once/);
  expect(text).toMatch(/The other camera answered \d+ % as many frames/);
  expect(report.summary.text.includes('WARNING')).toBe(report.summary.busy);
  expect(r.stdout).toContain(`killed cam-1 (pid ${kill.oldPid})`);
});

it('rejects a bad setting with the usage line', async () => {
  const r = await run(['--kills', '9', '--cameras', '2']);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('usage: npm run faults');
});
