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
import { readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Notice } from '../../shared/contracts/engine-api';
import { AppConfig, MAX_CAMERAS } from '../../shared/contracts/config';
import { parseMessage } from '../../shared/contracts/frames';
import { configSecrets } from '../../shared/redact';
import { asidePath, openToOthers, sweepOwnFiles, writeFileAtomic } from '../../node/files';

export interface LoadResult {
  config: AppConfig;
  /** Set when the file could not be used as it was (corrupt, unreadable). */
  notice?: Notice;
  /** Where a corrupt file was moved. */
  corruptBackup?: string;
  /** Set when the file was used but needs the user's attention (a password others can read). */
  warning?: Notice;
}

/** A parsed file whose camera list is over MAX_CAMERAS: the same with the first MAX_CAMERAS, and how many it listed. */
function overCameraLimit(raw: unknown): { kept: unknown; listed: number } | null {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const cameras = (raw as { cameras?: unknown }).cameras;
  if (!Array.isArray(cameras) || cameras.length <= MAX_CAMERAS) return null;
  return { kept: { ...raw, cameras: cameras.slice(0, MAX_CAMERAS) }, listed: cameras.length };
}

/** True when the config holds a password: a stream URL's, the MQTT broker's or its URL's. */
/**
 * V8 quotes the text around a JSON syntax error (`Unexpected token ']', ..."pa ss@h/x"},]}" is
 * not valid JSON`): in a config that could be a piece of a password no mask knows yet, since the
 * file could not be read. The quote goes; the error's kind and position stay.
 */
function withoutQuotedInput(message: string): string {
  return message.replace(/,? *(\.\.\.)?"[\s\S]*"(\.\.\.)? is not valid JSON$/, ' (the text around it is not repeated here)');
}

export function holdsPassword(config: AppConfig): boolean {
  return configSecrets(config).length > 0;
}

export function defaultConfig(): AppConfig {
  return AppConfig.parse({});
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
    let mode: number;
    try {
      // A FIFO or a device would block the read, or never end: regular files only.
      const stat = statSync(this.file);
      if (!stat.isFile()) throw Object.assign(new Error(`${this.file} is not a regular file`), { code: 'ENOTFILE' });
      mode = stat.mode;
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
      problem = `not JSON: ${withoutQuotedInput((err as Error).message)}`;
    }
    if (problem === null) {
      const over = overCameraLimit(raw);
      const parsed = parseMessage(AppConfig, over ? over.kept : raw);
      if (parsed.ok && over) {
        this.current = parsed.value;
        return { config: this.current, notice: this.keepWholeFile(text, over.listed) };
      }
      if (parsed.ok) {
        this.current = parsed.value;
        if (!openToOthers(mode) || !holdsPassword(this.current)) return { config: this.current };
        const octal = (mode & 0o777).toString(8).padStart(4, '0');
        const message = `configuration ${this.file} holds a password and other users can read it (mode ${octal}); the app makes it 0600 the next time it saves it, or run: chmod 600 ${this.file}`;
        return { config: this.current, warning: { level: 'warning', message: message.slice(0, 2000) } };
      }
      problem = parsed.error;
    }
    this.current = defaultConfig();
    const backup = asidePath(this.file);
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

  /** A file listing more cameras than run: the whole of it is kept beside it, since a save writes the first MAX_CAMERAS only. */
  private keepWholeFile(text: string, listed: number): Notice {
    const start = `configuration ${this.file} lists ${listed} cameras, more than the ${MAX_CAMERAS} the app runs; the first ${MAX_CAMERAS} are loaded`;
    const full = asidePath(this.file, new Date(), `all-${listed}-cameras`);
    try {
      writeFileAtomic(full, text);
    } catch (err) {
      return { level: 'warning', message: `${start}; the whole file could not be kept aside (${(err as Error).message}), and a save keeps only these ${MAX_CAMERAS}`.slice(0, 2000) };
    }
    return { level: 'warning', message: `${start}, and the whole file is kept as ${full} (a save writes only these ${MAX_CAMERAS})`.slice(0, 2000) };
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
    writeFileAtomic(this.file, `${JSON.stringify(valid, null, 2)}\n`);
    this.current = valid;
    return valid;
  }

  /** Applies a change to the current config and saves the result. */
  update(change: (config: AppConfig) => AppConfig): AppConfig {
    return this.save(change(structuredClone(this.current)));
  }

  /** Temp files of a save that crashed before its rename: never the live config, safe to delete. */
  private removeStaleTempFiles(): void {
    const name = path.basename(this.file);
    try {
      sweepOwnFiles(path.dirname(this.file), { own: (n) => n === name });
    } catch {
      // a folder that cannot be listed: load says why when it reads the file
    }
  }
}
