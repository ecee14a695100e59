/**
 * The one place where the app deletes files and checks the folders it writes into. The rules:
 * - The app deletes only files it named itself: the caller says which names are its own (event
 *   files by their id, media by their content name, its own temp files), and anything else in the
 *   folder (a user's photo, notes, a subfolder) is left alone.
 * - Never recursively: only regular files go, one at a time; a folder is never removed.
 * - Never through a symlink: every path is checked with lstat, and a link where the app would
 *   write or delete is refused (LinkRefusedError), not followed. The data folder itself may be a
 *   link the user made; the app's own entries inside it (snapshots, media, events.db) may not.
 * - Modes: the app's folders are 0700 and its files 0600 (owner only).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseTempName, processAlive } from './temp-names';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** A symlink (or something else that is not what the app made) where the app would write or delete. */
export class LinkRefusedError extends Error {
  readonly code = 'ELINKREFUSED';
}

/** lstat, or null when nothing is there. */
export function lstatOrNull(file: string): fs.Stats | null {
  try {
    return fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Throws LinkRefusedError when `file` is a symlink; returns its lstat (null when missing). */
export function refuseLink(file: string): fs.Stats | null {
  const stat = lstatOrNull(file);
  if (stat?.isSymbolicLink()) {
    throw new LinkRefusedError(`${file} is a symbolic link; the app does not write or delete through links (remove the link, or point the data folder elsewhere)`);
  }
  return stat;
}

/** True when group or others have any access (the POSIX bits; Windows has none to check). */
export function openToOthers(mode: number): boolean {
  return process.platform !== 'win32' && (mode & 0o077) !== 0;
}

/**
 * The data folder the user named (or the per-user default): created 0700 when missing. It may be
 * a symlink the user made; an existing folder keeps its mode (it may be one the user shares).
 */
export function ensureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * One of the app's own folders inside the data folder (snapshots, media): created 0700 when
 * missing, tightened to 0700 when open to others. A symlink or a non-folder is refused.
 */
export function ensureOwnDir(dir: string): void {
  let stat = refuseLink(dir);
  if (!stat) {
    ensureDataDir(path.dirname(dir));
    try {
      fs.mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    stat = refuseLink(dir)!;
  }
  if (!stat.isDirectory()) throw new LinkRefusedError(`${dir} is not a folder; the app keeps its files in a folder of that name (move it away)`);
  if (openToOthers(stat.mode)) fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/** An own file that exists is made 0600 if it is open to others (files written by older versions). */
export function tightenOwnFile(file: string): void {
  const stat = refuseLink(file);
  if (stat?.isFile() && openToOthers(stat.mode)) fs.chmodSync(file, PRIVATE_FILE_MODE);
}

/** Which names in a folder are the app's own. */
export type OwnName = (name: string) => boolean;

function checkedName(name: string, own: OwnName): string {
  if (name !== path.basename(name) || name === '.' || name === '..' || !own(name)) {
    throw new Error(`${JSON.stringify(name)} is not a file the app names; not deleted`);
  }
  return name;
}

/**
 * Deletes one of the app's files: `name` must be one `own` accepts, and what is there must be a
 * regular file (a link, a folder or anything else is left alone). Returns true if it went.
 */
export function removeOwnFile(dir: string, name: string, own: OwnName): boolean {
  const file = path.join(dir, checkedName(name, own));
  const stat = lstatOrNull(file);
  if (!stat || !stat.isFile()) return false;
  try {
    fs.unlinkSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export interface SweepResult {
  /** Files deleted. */
  removed: number;
  /** Entries left alone because they are not the app's (other names, folders, links). */
  foreign: string[];
}

export interface SweepOptions {
  /** Which names are the app's own here. */
  own: OwnName;
  /** Which of its own files to keep (default: all, so only stale temp files go). */
  keep?: OwnName;
  /** Kept files open to others are made 0600. */
  tighten?: boolean;
}

/**
 * Goes through a folder (never into subfolders) and deletes the app's own files that `keep` does
 * not want, plus temp files of the app's names left by a save that did not finish (a live
 * process's temp file is its save in progress and stays). Everything else stays and is listed in
 * `foreign`. The caller checks the folder itself (ensureOwnDir for the app's own folders).
 */
export function sweepOwnFiles(dir: string, { own, keep = () => true, tighten = false }: SweepOptions): SweepResult {
  const result: SweepResult = { removed: 0, foreign: [] };
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const name = entry.name;
    const temp = parseTempName(name);
    const mine = own(name) || (temp !== null && own(temp.target));
    if (!mine || !entry.isFile()) {
      result.foreign.push(name);
      continue;
    }
    if (temp) {
      if (temp.pid !== process.pid && processAlive(temp.pid)) continue;
      if (removeOwnFile(dir, name, (n) => n === name)) result.removed++;
      continue;
    }
    if (keep(name)) {
      if (tighten) tightenOwnFile(path.join(dir, name));
      continue;
    }
    if (removeOwnFile(dir, name, own)) result.removed++;
  }
  return result;
}

/**
 * Where a file the app cannot use is moved aside, next to it: `config.json` ->
 * `config.corrupt-2026-11-26T05-20-00-000Z.json`, `events.db` -> `events.corrupt-<time>.db`.
 * Never a name that exists.
 */
export function asidePath(file: string, now = new Date(), label = 'corrupt'): string {
  const dir = path.dirname(file);
  const ext = path.extname(file);
  const stem = path.basename(file, ext);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let candidate = path.join(dir, `${stem}.${label}-${stamp}${ext}`);
  for (let n = 2; lstatOrNull(candidate); n++) candidate = path.join(dir, `${stem}.${label}-${stamp}-${n}${ext}`);
  return candidate;
}
