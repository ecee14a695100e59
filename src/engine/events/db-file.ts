/**
 * The events database as a file in the data folder: `events.db` and SQLite's `-wal` and `-shm`
 * beside it. Mode 0600 (SQLite gives its -wal and -shm the database file's mode, so the file is
 * made before SQLite opens it). A symlink in any of the three places is refused, never followed.
 * A file that is not a database, or a corrupt one, is moved aside as `events.corrupt-<time>.db`
 * (with its -wal and -shm) and a new database is made, so the app always starts; the caller
 * tells the user where the old file went.
 */
import fs from 'node:fs';
import { asidePath, lstatOrNull, PRIVATE_FILE_MODE, refuseLink, tightenOwnFile } from '../../node/files';
import { openDatabase, type Db } from './db';

const COMPANIONS = ['-wal', '-shm'] as const;

export interface OpenedDatabase {
  db: Db;
  /** Where an unusable database was moved, and why it could not be used; null when it was fine. */
  movedAside: { file: string; why: string } | null;
}

/** SQLite's words for a file that is not (or no longer) a database. */
export function isCorruptDatabaseError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return /SQLITE_(NOTADB|CORRUPT)/.test(e.code ?? '') || /file is not a database|database disk image is malformed/.test(e.message ?? '');
}

function prepareFile(file: string): void {
  for (const f of [file, ...COMPANIONS.map((s) => file + s)]) refuseLink(f);
  if (lstatOrNull(file)) {
    for (const f of [file, ...COMPANIONS.map((s) => file + s)]) tightenOwnFile(f);
    return;
  }
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);
  fs.closeSync(fs.openSync(file, flags, PRIVATE_FILE_MODE));
}

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** True for an empty file (SQLite makes it a database) or one that starts with SQLite's header. */
function hasSqliteHeader(file: string): boolean {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  try {
    const head = Buffer.alloc(HEADER.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return n === 0 || (n === head.length && head.equals(HEADER));
  } finally {
    fs.closeSync(fd);
  }
}

/** Moves the database and its -wal and -shm aside; returns where the database went. */
function moveAside(file: string): string {
  const aside = asidePath(file);
  fs.renameSync(file, aside);
  for (const suffix of COMPANIONS) {
    if (lstatOrNull(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
  }
  return aside;
}

/**
 * Opens (or makes) the database, moving a corrupt one aside. `check` runs on the open database
 * before it is handed out; corruption it finds also moves the file aside. Errors other than
 * corruption (a full disk, an unwritable folder, a link) are thrown.
 */
export function openDatabaseFile<T>(file: string, check: (db: Db) => T): OpenedDatabase & { checked: T } {
  prepareFile(file);
  let db: Db | null = null;
  try {
    // A file that is not SQLite at all is moved aside before SQLite touches it or its -wal.
    if (!hasSqliteHeader(file)) throw Object.assign(new Error('file is not a database'), { code: 'SQLITE_NOTADB' });
    db = openDatabase(file);
    return { db, checked: check(db), movedAside: null };
  } catch (err) {
    if (db?.open) db.close();
    if (!isCorruptDatabaseError(err)) throw err;
    const aside = moveAside(file);
    prepareFile(file);
    const fresh = openDatabase(file);
    try {
      return { db: fresh, checked: check(fresh), movedAside: { file: aside, why: (err as Error).message } };
    } catch (again) {
      fresh.close();
      throw again;
    }
  }
}
