/**
 * The rules of src/node/files on real files: only the app's own names are deleted, never a
 * folder, never through a link; the atomic writer makes 0600 files and refuses a link as target;
 * a temp file of a live process is its save in progress and stays.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureOwnDir, LinkRefusedError, removeOwnFile, sweepOwnFiles, writeFileAtomic } from '../../src/node/files';
import { ConfigStore, holdsPassword } from '../../src/engine/config/store';
import { AppConfig } from '../../src/shared/contracts/config';
import { CalibrationCache } from '../../src/engine/thread-budget';
import { plannerFiles, readCapacityFile, writeCapacityFile } from '../../src/engine/capacity';
import { tempDir } from '../support/tmp';

const mode = (file: string) => fs.statSync(file).mode & 0o777;
const own = (name: string) => /^\d+\.jpg$/.test(name);

const folder = () => tempDir('multicam-own-files-');

describe('deleting', () => {
  it('a sweep deletes only unkept files of its own names; foreign files, folders and links stay', () => {
    const d = folder();
    const outside = tempDir('multicam-own-files-outside-');
    fs.writeFileSync(path.join(outside, '7.jpg'), 'outside');
    fs.writeFileSync(path.join(d, '1.jpg'), 'kept');
    fs.writeFileSync(path.join(d, '2.jpg'), 'not kept');
    fs.writeFileSync(path.join(d, 'holiday.jpg'), 'foreign');
    fs.mkdirSync(path.join(d, '3.jpg')); // a folder with an own name
    fs.writeFileSync(path.join(d, '3.jpg', 'inside.txt'), 'inside');
    fs.symlinkSync(path.join(outside, '7.jpg'), path.join(d, '4.jpg')); // a link with an own name
    const result = sweepOwnFiles(d, { own, keep: (n) => n === '1.jpg' });
    expect(result.removed).toBe(1);
    expect(fs.readdirSync(d).sort()).toEqual(['1.jpg', '3.jpg', '4.jpg', 'holiday.jpg']);
    expect(result.foreign.sort()).toEqual(['3.jpg', '4.jpg', 'holiday.jpg']);
    expect(fs.readFileSync(path.join(d, '3.jpg', 'inside.txt'), 'utf8')).toBe('inside');
    expect(fs.readFileSync(path.join(outside, '7.jpg'), 'utf8')).toBe('outside');
  });

  it('removeOwnFile refuses names that are not the app’s and paths out of the folder', () => {
    const d = folder();
    fs.writeFileSync(path.join(d, 'notes.txt'), 'x');
    expect(() => removeOwnFile(d, 'notes.txt', own)).toThrow(/not a file the app names/);
    expect(() => removeOwnFile(d, '../1.jpg', () => true)).toThrow(/not a file the app names/);
    expect(fs.existsSync(path.join(d, 'notes.txt'))).toBe(true);
    expect(removeOwnFile(d, '5.jpg', own)).toBe(false); // not there: nothing to do
  });

  it('a temp file of a live process stays; one of a dead process goes, and only for an own name', async () => {
    const d = folder();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => dead.once('exit', resolve));
    try {
      const names = [`.1.jpg.tmp-${live.pid}-0000abcd`, `.1.jpg.tmp-${dead.pid}-0000abcd`, `.notes.txt.tmp-${dead.pid}-0000abcd`, `1.jpg.tmp-${dead.pid}`];
      for (const n of names) fs.writeFileSync(path.join(d, n), 'half');
      expect(sweepOwnFiles(d, { own }).removed).toBe(2);
      expect(fs.readdirSync(d).sort()).toEqual([names[0], names[2]].sort());
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('an own folder that is a symlink or a file is refused; one open to others is made 0700', () => {
    const d = folder();
    fs.symlinkSync(tempDir('multicam-own-files-target-'), path.join(d, 'snapshots'));
    expect(() => ensureOwnDir(path.join(d, 'snapshots'))).toThrow(LinkRefusedError);
    fs.writeFileSync(path.join(d, 'media'), 'a file');
    expect(() => ensureOwnDir(path.join(d, 'media'))).toThrow(/not a folder/);
    fs.mkdirSync(path.join(d, 'open'), { mode: 0o755 });
    fs.chmodSync(path.join(d, 'open'), 0o755);
    ensureOwnDir(path.join(d, 'open'));
    expect(mode(path.join(d, 'open'))).toBe(0o700);
  });
});

describe('writing', () => {
  it('writes 0600 whatever the old file’s mode, leaves no temp file, and refuses a link as target', () => {
    const d = folder();
    const file = path.join(d, 'config.json');
    fs.writeFileSync(file, 'old', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    writeFileAtomic(file, 'new');
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(mode(file)).toBe(0o600);
    expect(fs.readdirSync(d)).toEqual(['config.json']);

    const target = path.join(tempDir('multicam-own-files-target-'), 'dotfile.json');
    fs.writeFileSync(target, 'theirs');
    fs.symlinkSync(target, path.join(d, 'linked.json'));
    expect(() => writeFileAtomic(path.join(d, 'linked.json'), 'mine')).toThrow(/symbolic link/);
    expect(fs.readFileSync(target, 'utf8')).toBe('theirs');
    expect(fs.lstatSync(path.join(d, 'linked.json')).isSymbolicLink()).toBe(true);
  });

  it('the thread calibration and the capacity figures beside the config go through it too: 0600, no temp file left', () => {
    const d = folder();
    const { calibrationFile, capacityFile } = plannerFiles(path.join(d, 'config.json'));
    const key = CalibrationCache.key('face-short', 'xnnpack', 2);
    new CalibrationCache(calibrationFile).set(key, 'xnnpack', 2, [{ threads: 1, ips: 40 }]);
    writeCapacityFile(capacityFile, { cores: 2, ips: 80, model: 'face-short', measuredAt: '2026-12-08T00:00:00Z' });
    expect(new CalibrationCache(calibrationFile).get(key)).toEqual([{ threads: 1, ips: 40 }]);
    expect(readCapacityFile(capacityFile)).toEqual({ ips: 80, source: 'bench' });
    expect(mode(calibrationFile)).toBe(0o600);
    expect(mode(capacityFile)).toBe(0o600);
    expect(fs.readdirSync(d).sort()).toEqual([path.basename(calibrationFile), path.basename(capacityFile)].sort());
  });
});

describe('a configuration holding a password', () => {
  it('is recognised in a stream URL, the MQTT password and the MQTT URL', () => {
    const stream = (url: string) => AppConfig.parse({ cameras: [{ name: 'Door', source: { kind: 'stream', url } }] });
    expect(holdsPassword(stream('rtsp://admin:Secr3t@192.0.2.1:554/s'))).toBe(true);
    expect(holdsPassword(stream('rtsp://192.0.2.1:554/s'))).toBe(false);
    expect(holdsPassword(AppConfig.parse({ events: { mqtt: { url: 'mqtt://127.0.0.1', password: 'p' } } }))).toBe(true);
    expect(holdsPassword(AppConfig.parse({ events: { mqtt: { url: 'mqtt://u:p@127.0.0.1' } } }))).toBe(true);
    expect(holdsPassword(AppConfig.parse({ events: { mqtt: { url: 'mqtt://127.0.0.1' } } }))).toBe(false);
  });

  it('readable by others gets a warning at load; the next save makes it 0600', () => {
    const d = folder();
    const file = path.join(d, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ cameras: [{ name: 'Door', source: { kind: 'stream', url: 'rtsp://admin:Secr3t@192.0.2.1:554/s' } }] }));
    fs.chmodSync(file, 0o644);
    const store = new ConfigStore(file);
    const loaded = store.load();
    expect(loaded.notice).toBeUndefined();
    expect(loaded.warning?.message).toMatch(/holds a password and other users can read it \(mode 0644\)/);
    expect(loaded.warning?.message).not.toContain('Secr3t');
    expect(mode(file)).toBe(0o644);
    store.save(store.config);
    expect(mode(file)).toBe(0o600);
    expect(new ConfigStore(file).load().warning).toBeUndefined();
  });
});
