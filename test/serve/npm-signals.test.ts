/**
 * SIGTERM and SIGINT sent to `npm run serve` or `npm start` (a process manager or a container
 * stops the app exactly so: one signal to the process it started) must stop serve mode and every
 * camera worker. npm hands the signal to the shell it runs the script in, which does not pass it on;
 * serve mode notices that the process that started it is gone.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pidAlive, sleep, until } from '../support/process';
import { ROOT } from './helpers';

const dirs: string[] = [];
const groups: number[] = [];

afterAll(() => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const electronInstalled = existsSync(path.join(ROOT, 'node_modules', 'electron', 'path.txt'));

async function startThroughNpm(script: 'serve' | 'start'): Promise<{ npmPid: number; servePid: number; workerPid: number; exited: Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-npm-'));
  dirs.push(dir);
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ cameras: [{ id: 'cam-1', name: 'Pushed', source: { kind: 'external' } }] }));
  const args = script === 'serve' ? ['run', 'serve', '--', '--port', '0', '--config', config] : ['start', '--', '--port', '0', '--config', config];
  // Its own process group, so a failed test can still end everything it started.
  const child = spawn('npm', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  groups.push(child.pid!);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await until(() => /^http:\/\/\S+\?token=\S+$/m.test(out), 60_000, `npm ${script} to print the URL (stderr: ${err})`);
  const url = new URL(/^http:\/\/\S+$/m.exec(out)![0]);
  const servePid = Number(/serve: pid (\d+)/.exec(err)?.[1]);
  expect(servePid).toBeGreaterThan(0);
  expect(servePid).not.toBe(child.pid);
  let workerPid = 0;
  for (const deadline = Date.now() + 60_000; workerPid === 0; await sleep(200)) {
    if (Date.now() > deadline) throw new Error(`the camera worker did not start (stderr: ${err})`);
    const res = await fetch(`${url.origin}/api/stats`, { headers: { Authorization: `Bearer ${url.searchParams.get('token')}` } });
    const body = (await res.json()) as { cameras: Array<{ pid: number | null; state: string }> };
    workerPid = body.cameras[0]?.state === 'running' ? (body.cameras[0].pid ?? 0) : 0;
  }
  return { npmPid: child.pid!, servePid, workerPid, exited };
}

/**
 * SIGTERM goes to npm alone, as a process manager or `docker stop` sends it. SIGINT goes to the
 * whole process group, as a terminal's Ctrl-C does: npm's shell ignores a SIGINT of its own while
 * it waits for the script, so npm alone never passes one on (README: troubleshooting).
 */
const cases: Array<['serve' | 'start', NodeJS.Signals, 'npm' | 'group']> = [
  ['serve', 'SIGTERM', 'npm'],
  ['start', 'SIGTERM', 'npm'],
  ['serve', 'SIGINT', 'group'],
  ['start', 'SIGINT', 'group'],
];

describe('signals to the npm scripts', () => {
  for (const [script, signal, to] of cases) {
    const name = `${signal} to ${to === 'npm' ? '' : 'the process group of '}\`npm ${script === 'serve' ? 'run serve' : 'start'}\` stops serve mode and its workers`;
    it.skipIf(script === 'start' && electronInstalled)(name, async () => {
      const run = await startThroughNpm(script);
      expect(pidAlive(run.servePid)).toBe(true);
      expect(pidAlive(run.workerPid)).toBe(true);
      process.kill(to === 'npm' ? run.npmPid : -run.npmPid, signal);
      await run.exited;
      await until(() => !pidAlive(run.servePid), 15_000, 'serve mode to exit');
      await until(() => !pidAlive(run.workerPid), 15_000, 'the camera worker to exit');
    }, 120_000);
  }
});
