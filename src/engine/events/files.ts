/**
 * Snapshot files beside the database: snapshots/<event id>.jpg (full frame, box drawn) and
 * snapshots/<event id>.crop.jpg. Written atomically (src/node/files), always before the row that
 * points at them is committed, so a crash leaves at worst an orphan file, never a row without its
 * file. When the store opens, orphans and temp files of these names are swept; anything else in
 * the folder (a user's photos, notes, subfolders) is left alone. A `snapshots` that is a symlink
 * or not a folder is refused (LinkRefusedError), never followed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EventId } from '../../shared/contracts/events';
import { ensureOwnDir, refuseLink, removeOwnFile, sweepOwnFiles, writeFileAtomic, type SweepResult } from '../../node/files';

export type SnapshotKind = 'snapshot' | 'crop';

const FILE_NAME = /^([^.]+)(\.crop)?\.jpg$/;

/** The id of an event file's name (`<id>.jpg`, `<id>.crop.jpg`), or null for any other name. */
export function eventIdOfFile(name: string): string | null {
  const m = FILE_NAME.exec(name);
  return m && EventId.safeParse(m[1]).success ? m[1] : null;
}

const isEventFile = (name: string) => eventIdOfFile(name) !== null;

export class SnapshotFiles {
  constructor(readonly dir: string) {
    ensureOwnDir(dir);
  }

  /** The file for an event; throws for anything that is not an event id (no path tricks). */
  path(id: string, kind: SnapshotKind): string {
    EventId.parse(id);
    return path.join(this.dir, kind === 'snapshot' ? `${id}.jpg` : `${id}.crop.jpg`);
  }

  /** Writes both files; returns their total size in bytes. */
  write(id: string, snapshot: Uint8Array, crop: Uint8Array | undefined): number {
    ensureOwnDir(this.dir); // a folder swapped for a link while running is refused too
    writeFileAtomic(this.path(id, 'snapshot'), snapshot);
    if (crop) writeFileAtomic(this.path(id, 'crop'), crop);
    return snapshot.byteLength + (crop?.byteLength ?? 0);
  }

  remove(id: string): void {
    refuseLink(this.dir);
    for (const kind of ['snapshot', 'crop'] as const) removeOwnFile(this.dir, path.basename(this.path(id, kind)), isEventFile);
  }

  exists(id: string): boolean {
    return fs.existsSync(this.path(id, 'snapshot'));
  }

  /** Deletes temp files and files of events not in `keep`; the rest of the folder stays. */
  sweep(keep: (id: string) => boolean): SweepResult {
    ensureOwnDir(this.dir);
    return sweepOwnFiles(this.dir, { own: isEventFile, keep: (name) => keep(eventIdOfFile(name)!), tighten: true });
  }
}
