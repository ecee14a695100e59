/** `npm start` without the Electron runtime falls back to serve mode and says so in one line. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';
import { tempDir } from '../support/tmp';

const electronInstalled = existsSync(path.join(ROOT, 'node_modules', 'electron', 'path.txt'));

describe.skipIf(electronInstalled)('npm start without Electron', () => {
  it('prints the fallback line, then the serve URL, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir('multicam-start-');
    const child = spawn(process.execPath, ['scripts/start.mjs', '--port', '0', '--config', path.join(dir, 'config.json')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          out += c;
          if (out.includes('\n')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`start exited with ${code}:\n${err}`)));
      });
      expect(out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+\n$/);
      const fallback = err.split('\n').filter((l) => l.includes('Electron runtime is not installed'));
      expect(fallback).toEqual(['Electron runtime is not installed (it cannot be downloaded on this machine); starting serve mode instead']);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out.trim().split('\n')).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
