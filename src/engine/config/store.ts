/**
 * ConfigStore: the app's configuration file (AppConfig), shared by the desktop app and serve mode.
 *
 * Saves are atomic: the new text goes to a temporary file in the same folder, is fsynced, and is
 * renamed over the old file, so a crash at any moment leaves either the old or the new config
 * behind, never half of one. A file that does not parse is not overwritten: it is moved aside as
 * `<name>.corrupt-<timestamp>.json` and the app starts with defaults, telling the user where the
 * old file went. A file that cannot be read (permissions, a folder, a FIFO or device) is neither
 * read nor replaced: the app starts with defaults and refuses to save, saying why, so the user's
 * cameras are never overwritten by defaults.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Notice } from '../../shared/contracts/engine-api';
import { AppConfig } from '../../shared/contracts/config';
import { parseMessage } from '../../shared/contracts/frames';

export interface LoadResult {
  config: AppConfig;
  /** Set when the file could not be used as it was (corrupt, unreadable). */
  notice?: Notice;
  /** Where a corrupt file was moved. */
  corruptBackup?: string;
}

export function defaultConfig(): AppConfig {
  return AppConfig.parse({});
}

/** `config.json` -> `config.corrupt-2026-11-26T05-20-00-000Z.json`, next to it. */
export function corruptBackupPath(file: string, now = new Date()): string {
  const dir = path.dirname(file);
  const ext = path.extname(file);
  const stem = path.basename(file, ext);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let candidate = path.join(dir, `${stem}.corrupt-${stamp}.json`);
  for (let n = 2; existsSync(candidate); n++) candidate = path.join(dir, `${stem}.corrupt-${stamp}-${n}.json`);
  return candidate;
}

/** Prefix of the temporary files a save writes; leftovers of a crashed save start with it. */
function tempPrefix(file: string): string {
  return `.${path.basename(file)}.tmp-`;
}

/**
 * Writes `text` to `file` atomically: temp file in the same folder (same file system, so rename is
 * atomic), fsync, rename, then fsync the folder so the rename itself survives a power cut.
 */
export function writeFileAtomicSync(file: string, text: string | Uint8Array): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `${tempPrefix(file)}${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openSync(temp, 'w', 0o600);
  try {
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw err;
  }
  syncDirectory(dir);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function syncDirectory(dir: string): void {
  // Not every platform lets a folder be opened for fsync (Windows does not); the rename is still atomic.
  if (process.platform === 'win32') return;
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class ConfigStore {
  private current: AppConfig = defaultConfig();
  /** Why the file must not be written (it exists but could not be read), or null. */
  private unwritable: string | null = null;

  constructor(readonly file: string) {}

  get config(): AppConfig {
    return this.current;
  }

  /**
   * Reads the file. Missing: defaults, no notice. Corrupt (not JSON, or not an AppConfig): moved
   * aside, defaults, and a notice saying where it went.
   */
  load(): LoadResult {
    this.removeStaleTempFiles();
    this.unwritable = null;
    let text: string;
    try {
      // A FIFO or a device would block the read, or never end: regular files only.
      const stat = statSync(this.file);
      if (!stat.isFile()) throw Object.assign(new Error(`${this.file} is not a regular file`), { code: 'ENOTFILE' });
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      this.current = defaultConfig();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: this.current };
      const why = (err as Error).message;
      this.unwritable = `the configuration file ${this.file} could not be read at start (${why}), so it is not overwritten; fix it (permissions, owner) and restart to use it`;
      return {
        config: this.current,
        notice: {
          level: 'error',
          message: `configuration ${this.file} could not be read (${why}); started with defaults, and changes are not saved until it can be read`.slice(0, 2000),
        },
      };
    }
    let problem: string | null = null;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      problem = `not JSON: ${(err as Error).message}`;
    }
    if (problem === null) {
      const parsed = parseMessage(AppConfig, raw);
      if (parsed.ok) {
        this.current = parsed.value;
        return { config: this.current };
      }
      problem = parsed.error;
    }
    this.current = defaultConfig();
    const backup = corruptBackupPath(this.file);
    try {
      renameSync(this.file, backup);
    } catch (err) {
      return {
        config: this.current,
        notice: {
          level: 'error',
          message: `configuration was corrupt (${problem}) and could not be saved aside (${(err as Error).message}); started with defaults`,
        },
      };
    }
    return {
      config: this.current,
      corruptBackup: backup,
      notice: { level: 'warning', message: `configuration was corrupt; saved aside as ${backup}; started with defaults (${problem})`.slice(0, 2000) },
    };
  }

  /**
   * Validates and writes the config atomically; it becomes the current config. When the file could
   * not be read at start, the config still becomes current (the engine runs what it was asked to)
   * but nothing is written, and this throws saying why.
   */
  save(config: AppConfig): AppConfig {
    const valid = AppConfig.parse(config);
    if (this.unwritable) {
      this.current = valid;
      throw new Error(this.unwritable);
    }
    writeFileAtomicSync(this.file, `${JSON.stringify(valid, null, 2)}\n`);
    this.current = valid;
    return valid;
  }

  /** Applies a change to the current config and saves the result. */
  update(change: (config: AppConfig) => AppConfig): AppConfig {
    return this.save(change(structuredClone(this.current)));
  }

  /** Temp files of a save that crashed before its rename: never the live config, safe to delete. */
  private removeStaleTempFiles(): void {
    const dir = path.dirname(this.file);
    const prefix = tempPrefix(this.file);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const pid = Number(name.slice(prefix.length).split('-')[0]);
      if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) continue;
      try {
        unlinkSync(path.join(dir, name));
      } catch {
        // another process may have renamed or removed it
      }
    }
  }
}
