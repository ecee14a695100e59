/**
 * Serve mode's access token, kept from one start to the next so the printed URL (and a bookmark of
 * it) stays the same: `serve-token` in the data directory (the configuration file's folder), mode
 * 0600, written atomically. `--new-token` replaces it, which locks out every old URL and open page.
 */
import { chmodSync, lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../node/files';
import { newToken, TOKEN_PATTERN } from './auth';

export const TOKEN_FILE_NAME = 'serve-token';

export interface TokenResult {
  token: string;
  file: string;
  /** What happened, for the log. */
  note: string;
}

/**
 * The token kept in `dataDir`, or a new one (written there) when there is none, it is not a valid
 * token, or `rotate` is set. Throws when the file exists but is not a regular file. A new token that
 * cannot be written (full disk, read-only folder) is used for this run only, and the note says so.
 */
export function loadOrCreateToken(dataDir: string, rotate: boolean): TokenResult {
  const file = path.join(dataDir, TOKEN_FILE_NAME);
  let existing: string | null = null;
  let stat;
  try {
    stat = lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (stat && !stat.isFile()) throw new Error(`${file} is not a regular file; remove it, or use another --config folder`);
  if (stat && !rotate) {
    existing = readFileSync(file, 'utf8').trim();
    if (!TOKEN_PATTERN.test(existing)) existing = null;
    else if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      try {
        chmodSync(file, 0o600);
        return { token: existing, file, note: `the token file ${file} was readable by others; it is now mode 0600` };
      } catch (err) {
        return { token: existing, file, note: `WARNING: the token file ${file} is readable by others and could not be made 0600 (${(err as Error).message})` };
      }
    }
  }
  if (existing) return { token: existing, file, note: `token kept in ${file}` };
  const token = newToken();
  try {
    writeFileAtomic(file, `${token}\n`);
  } catch (err) {
    // A full disk or a folder that cannot be written must not stop serve mode: the token lives as long as this run.
    return { token, file, note: `WARNING: the token could not be kept in ${file} (${(err as Error).message}); this URL works until serve mode stops` };
  }
  return { token, file, note: rotate ? `new token written to ${file}; old URLs no longer work` : `token written to ${file}` };
}
