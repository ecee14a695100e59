/**
 * The app's one way of writing a file: a temp file in the same folder (so the rename is atomic),
 * opened exclusively and without following links, mode 0600, written whole and fsynced, renamed
 * over the target, then the folder fsynced so the rename itself survives a power cut. A crash at
 * any moment leaves the old file or the new one, never half of one; the temp file left behind is
 * one the app's sweeps recognise (temp-names.ts). A target that is a symlink is refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureDataDir, PRIVATE_FILE_MODE, refuseLink } from './own-files';
import { tempNameFor } from './temp-names';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  ensureDataDir(dir);
  const existing = refuseLink(file);
  if (existing && !existing.isFile()) throw new Error(`${file} is not a regular file; not replaced`);
  const temp = path.join(dir, tempNameFor(path.basename(file)));
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);
  const fd = fs.openSync(temp, flags, PRIVATE_FILE_MODE);
  try {
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      let written = 0;
      while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (err) {
    try {
      fs.unlinkSync(temp);
    } catch {
      // already gone (or never made)
    }
    throw err;
  }
  syncDirectory(dir);
}

function syncDirectory(dir: string): void {
  // Not every platform lets a folder be opened for fsync (Windows does not); the rename is still atomic.
  if (process.platform === 'win32') return;
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
