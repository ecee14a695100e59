/**
 * A config file the process cannot read is never replaced with defaults: the store starts with
 * defaults, says why, and refuses to write until the file can be read. EACCES needs a user the file
 * shuts out: as root the probe runs as `nobody`, otherwise the file's mode shuts out this user.
 * `nobody` may not be able to read the checkout (a clone in a private home folder), so the probe
 * runs as one JavaScript file bundled with esbuild into a temporary folder anyone can read.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/engine/config/store';
import { tempDir } from '../support/tmp';

const NOBODY = 65534;

/** fixtures/unreadable-probe.ts and all it imports as one CommonJS file, in a folder of its own that anyone can read. */
function bundledProbe(): { dir: string; file: string } {
  const dir = tempDir('multicam-eacces-probe-');
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'unreadable-probe.cjs');
  buildSync({ entryPoints: [path.join(import.meta.dirname, 'fixtures', 'unreadable-probe.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: file, logLevel: 'silent' });
  chmodSync(file, 0o644);
  return { dir, file };
}

describe('a config file that cannot be read', () => {
  it('(EACCES) is kept as it is: defaults, a notice, and saving refused with the reason', () => {
    const dir = tempDir('multicam-eacces-');
    chmodSync(dir, 0o777);
    const file = path.join(dir, 'config.json');
    const original = `${JSON.stringify({ cameras: [{ id: 'cam-7', name: 'Mine', source: { kind: 'external' } }] })}\n`;
    writeFileSync(file, original);
    chmodSync(file, 0o600);
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) chmodSync(file, 0o000);
    const probe = bundledProbe();
    const run = spawnSync(process.execPath, [probe.file, file], {
      cwd: probe.dir,
      encoding: 'utf8',
      timeout: 60_000,
      ...(asRoot ? { uid: NOBODY, gid: NOBODY, env: { ...process.env, HOME: dir } } : {}),
    });
    if (!asRoot) chmodSync(file, 0o600);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { notice: { level: string; message: string } | null; saveError: string | null; cameras: number };
    expect(result.notice?.level).toBe('error');
    expect(result.notice?.message).toMatch(/could not be read \(EACCES.*changes are not saved until it can be read/);
    expect(result.saveError).toMatch(/could not be read at start \(EACCES.*so it is not overwritten; fix it/);
    // The engine runs what it was asked to; the file keeps the user's cameras.
    expect(result.cameras).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(readdirSync(dir).sort()).toEqual(['config.json']);
  }, 90_000);

  it('(a folder, or a FIFO) is neither read nor replaced, and loading does not hang', () => {
    const dir = tempDir('multicam-notfile-');
    const folder = path.join(dir, 'config.json');
    mkdirSync(folder);
    const fifo = path.join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    for (const file of [folder, fifo]) {
      const store = new ConfigStore(file);
      const loaded = store.load();
      expect(loaded.notice?.message, file).toContain('could not be read');
      expect(() => store.save(store.config)).toThrow(/so it is not overwritten/);
    }
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'fifo.json']);
  });
});
