/** `npm start` without the Electron runtime says what the desktop app needs and how to install it, then falls back to serve mode. */
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
      expect(fallback).toHaveLength(1);
      // What the desktop app needs, how to get it, and what runs meanwhile.
      expect(fallback[0]).toMatch(/^Electron runtime is not installed: the desktop app needs the Electron [\d.]+ runtime .*; starting serve mode instead$/);
      expect(err).toContain('node node_modules/electron/install.js');
      expect(err).toMatch(/ELECTRON_MIRROR=\S+ node node_modules\/electron\/install\.js/);
      expect(err).toContain('npm run serve');
      expect(err).not.toContain('cannot be downloaded on this machine');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out.trim().split('\n')).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});

describe('the help printed when the runtime is missing', () => {
  it('names the skipped download and the missing package', async () => {
    const { missingElectronHelp } = await import('../../scripts/start.mjs');
    expect(missingElectronHelp({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, '45.5.0')).toMatch(/Electron 45\.5\.0 runtime[\s\S]*ELECTRON_SKIP_BINARY_DOWNLOAD is set/);
    expect(missingElectronHelp({}, '45.5.0')).not.toContain('ELECTRON_SKIP_BINARY_DOWNLOAD');
    const noPackage = missingElectronHelp({}, null);
    expect(noPackage).toContain('npm ci');
    expect(noPackage).not.toContain('install.js');
  });
});
