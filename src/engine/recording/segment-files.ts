/**
 * Segment files below DATA/recordings: CAMERA/YYYY-MM-DD/HH/NAME, written by the cameras' ffmpeg.
 * The app reads and deletes here only through src/node/files' rules: only files whose names are
 * segment names, in folders whose names are a camera id, a day and an hour, one file at a time,
 * never a folder, never through a symbolic link (any link on the way is refused).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CameraId } from '../../shared/contracts/frames';
import { SEGMENT_NAME, segmentFolder } from '../../shared/contracts/recording';
import { ensureOwnDir, refuseLink, removeOwnFile } from '../../node/files';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const HOUR = /^\d{2}$/;
const isSegmentName = (name: string) => SEGMENT_NAME.test(name);

export class RecordingFiles {
  constructor(readonly root: string) {
    ensureOwnDir(root);
  }

  /** CAMERA/YYYY-MM-DD/HH/NAME for a camera's segment name, or null for anything else. */
  relPath(camera: string, name: string): string | null {
    const folder = segmentFolder(name);
    if (!folder || !CameraId.safeParse(camera).success) return null;
    return path.posix.join(camera, folder[0], folder[1], name);
  }

  /** The absolute path of a catalogued relative path; throws for one that is not a segment's. */
  absPath(rel: string): string {
    const parts = rel.split('/');
    if (parts.length !== 4 || this.relPath(parts[0], parts[3]) !== rel) throw new Error(`${JSON.stringify(rel)} is not a segment path`);
    return path.join(this.root, ...parts);
  }

  /** The size of a segment file, or null when it is missing, not a regular file, or behind a link. */
  size(rel: string): number | null {
    try {
      const stat = this.checkedFolders(rel) ? refuseLink(this.absPath(rel)) : null;
      return stat?.isFile() ? stat.size : null;
    } catch {
      return null;
    }
  }

  /** Deletes one catalogued segment file (never a folder, never through a link). */
  remove(rel: string): boolean {
    const file = this.absPath(rel);
    if (!this.checkedFolders(rel)) return false;
    return removeOwnFile(path.dirname(file), path.basename(file), isSegmentName);
  }

  /** Every segment file on disk, as relative paths (links and foreign names skipped). */
  scan(): string[] {
    const out: string[] = [];
    const dirs = (dir: string, pattern: RegExp | ((n: string) => boolean)) => {
      const test = typeof pattern === 'function' ? pattern : (n: string) => pattern.test(n);
      try {
        return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && test(e.name)).map((e) => e.name);
      } catch {
        return [];
      }
    };
    for (const camera of dirs(this.root, (n) => CameraId.safeParse(n).success)) {
      for (const day of dirs(path.join(this.root, camera), DAY)) {
        for (const hour of dirs(path.join(this.root, camera, day), HOUR)) {
          const dir = path.join(this.root, camera, day, hour);
          for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const rel = path.posix.join(camera, day, hour, entry.name);
            if (entry.isFile() && this.relPath(camera, entry.name) === rel) out.push(rel);
          }
        }
      }
    }
    return out;
  }

  /** The camera's folder, made 0700 when missing (the worker's ffmpeg writes below it). */
  ensureCameraDir(camera: string): string {
    CameraId.parse(camera);
    const dir = path.join(this.root, camera);
    ensureOwnDir(dir);
    return dir;
  }

  /** True when no folder from the root down to the file's is a symbolic link or not a folder. */
  private checkedFolders(rel: string): boolean {
    const parts = rel.split('/').slice(0, 3);
    let dir = this.root;
    refuseLink(dir);
    for (const part of parts) {
      dir = path.join(dir, part);
      const stat = refuseLink(dir);
      if (!stat?.isDirectory()) return false;
    }
    return true;
  }
}
