import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../src/engine/config/store';
import { writeFileAtomic } from '../../src/node/files';
import { AppConfig } from '../../src/shared/contracts/config';
import { tempDir } from '../support/tmp';

let dir: string;
beforeEach(() => {
  dir = tempDir('multicam-config-');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sample = (): AppConfig =>
  AppConfig.parse({ cameras: [{ id: 'front', name: 'Front', source: { kind: 'webcam', label: 'fake_device_0' } }] });

describe('ConfigStore', () => {
  it('starts with defaults when there is no file, and without a notice', () => {
    const store = new ConfigStore(path.join(dir, 'config.json'));
    const loaded = store.load();
    expect(loaded.notice).toBeUndefined();
    expect(loaded.config).toEqual(AppConfig.parse({}));
  });

  it('saves atomically: the file round-trips and no temporary file is left', () => {
    const file = path.join(dir, 'nested', 'config.json');
    const store = new ConfigStore(file);
    store.load();
    store.save(sample());
    expect(readdirSync(path.dirname(file))).toEqual(['config.json']);
    const again = new ConfigStore(file);
    expect(again.load().config).toEqual(sample());
    again.update((c) => ({ ...c, cameras: [] }));
    expect(JSON.parse(readFileSync(file, 'utf8')).cameras).toEqual([]);
  });

  it('accepts the short form of the schema (defaults filled in)', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ cameras: [{ name: 'Front', source: { kind: 'webcam', label: 'fake_device_0' } }] }));
    const loaded = new ConfigStore(file).load();
    expect(loaded.notice).toBeUndefined();
    expect(loaded.config.cameras[0].name).toBe('Front');
    expect(loaded.config.settings.delegate).toBe('xnnpack');
  });

  it.each([
    ['not JSON', '{"cameras": [ {"name": '],
    ['not an AppConfig', JSON.stringify({ cameras: [{ name: '', source: { kind: 'laser' } }] })],
  ])('moves a corrupt file (%s) aside and starts with defaults', (_what, text) => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, text);
    const store = new ConfigStore(file);
    const loaded = store.load();
    expect(loaded.config).toEqual(AppConfig.parse({}));
    expect(loaded.notice?.message).toMatch(/configuration was corrupt/);
    expect(loaded.notice?.message).toMatch(/started with defaults/);
    const backup = loaded.corruptBackup!;
    expect(path.basename(backup)).toMatch(/^config\.corrupt-.+\.json$/);
    expect(loaded.notice?.message).toContain(backup);
    expect(readFileSync(backup, 'utf8')).toBe(text);
    expect(readdirSync(dir)).toEqual([path.basename(backup)]);
    // The next save writes a fresh file; the backup stays.
    store.save(sample());
    expect(readdirSync(dir).sort()).toEqual(['config.json', path.basename(backup)].sort());
  });

  it('a corrupt file that holds a password: the notice does not quote the text around the error', () => {
    const file = path.join(dir, 'config.json');
    // V8's message would quote `..."tpiece"}},]}"`: a piece of a key no mask knows yet (the file cannot be read).
    writeFileSync(file, '{"cameras": [{"name": "Door", "source": {"kind": "stream", "url": "rtsp://u:x@h/s?key=Secr3tpiece"}},]}');
    const loaded = new ConfigStore(file).load();
    expect(loaded.notice?.message).toMatch(/configuration was corrupt/);
    expect(loaded.notice?.message).toMatch(/not JSON: Unexpected token/);
    expect(loaded.notice?.message).not.toContain('tpiece');
  });

  it('a file with 65 cameras loads the first 64, says so, and keeps the whole file beside it', () => {
    const file = path.join(dir, 'config.json');
    const cameras = Array.from({ length: 65 }, (_, i) => ({ id: `cam-${i + 1}`, name: `File ${i + 1}`, source: { kind: 'file', path: `/clips/${i + 1}.mp4` } }));
    const text = `${JSON.stringify({ version: 1, cameras }, null, 2)}\n`;
    writeFileSync(file, text);
    const store = new ConfigStore(file);
    const loaded = store.load();
    expect(loaded.config.cameras.map((c) => c.id)).toEqual(cameras.slice(0, 64).map((c) => c.id));
    expect(loaded.notice?.level).toBe('warning');
    expect(loaded.notice?.message).toMatch(/lists 65 cameras, more than the 64 the app runs; the first 64 are loaded, and the whole file is kept as .*config\.all-65-cameras-[\dTZ-]+\.json \(a save writes only these 64\)/);
    // The file itself is left as it was, and the copy holds all 65.
    expect(readFileSync(file, 'utf8')).toBe(text);
    const aside = readdirSync(dir).filter((n) => n.startsWith('config.all-65-cameras-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(path.join(dir, aside[0]), 'utf8')).toBe(text);
    // A save writes the 64 loaded.
    store.update((c) => c);
    expect(JSON.parse(readFileSync(file, 'utf8')).cameras).toHaveLength(64);
  });

  it('writeFileAtomic replaces the whole file', () => {
    const file = path.join(dir, 'x.json');
    writeFileAtomic(file, 'a'.repeat(10_000));
    writeFileAtomic(file, 'b');
    expect(readFileSync(file, 'utf8')).toBe('b');
  });

  it('a save killed at any moment leaves the old or the new config, never a torn one', async () => {
    const file = path.join(dir, 'config.json');
    const loop = path.join(import.meta.dirname, 'fixtures', 'save-loop.ts');
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', loop, file], { stdio: ['ignore', 'pipe', 'inherit'] });
      // Wait until it has saved several times, a little longer each round, then kill it mid-loop.
      await new Promise<void>((resolve, reject) => {
        let lines = 0;
        child.stdout.on('data', (chunk: Buffer) => {
          lines += chunk.toString().split('\n').filter(Boolean).length;
          if (lines >= 3 + round * 5) resolve();
        });
        child.on('exit', (code) => reject(new Error(`save loop exited early with ${code}`)));
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      const parsed = AppConfig.parse(JSON.parse(readFileSync(file, 'utf8')));
      // Exactly config A or config B (save-loop.ts), down to the settings: nothing of one mixed into the other.
      expect([1, 40]).toContain(parsed.cameras.length);
      if (parsed.cameras.length === 1) expect(parsed.settings).toEqual({ threadsPerInterpreter: 'auto', delegate: 'xnnpack', maxInFlight: 1 });
      else {
        expect(parsed.settings).toEqual({ threadsPerInterpreter: 2, delegate: 'none', maxInFlight: 3 });
        expect(parsed.cameras.map((c) => c.id)).toEqual(Array.from({ length: 40 }, (_, i) => `b${i}`));
      }
      const loaded = new ConfigStore(file).load();
      expect(loaded.notice).toBeUndefined();
      // The leftover temp file of the killed save is cleaned up at load.
      expect(readdirSync(dir)).toEqual(['config.json']);
    }
  }, 60_000);
});
