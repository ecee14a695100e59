/**
 * Snapshot files beside the database: snapshots/<event id>.jpg (full frame, box drawn) and
 * snapshots/<event id>.crop.jpg. Written atomically (temp file, fsync, rename), always before the
 * row that points at them is committed, so a crash leaves at worst an orphan file, never a row
 * without its file. Orphans and temp files are swept when the store opens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EventId } from '../../shared/contracts/events';

export type SnapshotKind = 'snapshot' | 'crop';

export class SnapshotFiles {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** The file for an event; throws for anything that is not an event id (no path tricks). */
  path(id: string, kind: SnapshotKind): string {
    EventId.parse(id);
    return path.join(this.dir, kind === 'snapshot' ? `${id}.jpg` : `${id}.crop.jpg`);
  }

  /** Writes both files; returns their total size in bytes. */
  write(id: string, snapshot: Uint8Array, crop: Uint8Array | undefined): number {
    writeAtomic(this.path(id, 'snapshot'), snapshot);
    if (crop) writeAtomic(this.path(id, 'crop'), crop);
    return snapshot.byteLength + (crop?.byteLength ?? 0);
  }

  remove(id: string): void {
    for (const kind of ['snapshot', 'crop'] as const) fs.rmSync(this.path(id, kind), { force: true });
  }

  exists(id: string): boolean {
    return fs.existsSync(this.path(id, 'snapshot'));
  }

  /** Deletes temp files and files of events not in `keep`; returns how many went. */
  sweep(keep: (id: string) => boolean): number {
    let removed = 0;
    for (const name of fs.readdirSync(this.dir)) {
      const m = /^([^.]+)(\.crop)?\.jpg$/.exec(name);
      if (m && EventId.safeParse(m[1]).success && keep(m[1])) continue;
      fs.rmSync(path.join(this.dir, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }
}

function writeAtomic(file: string, data: Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
