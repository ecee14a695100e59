/**
 * Recording inside the engine: catalogues the segments the cameras' ffmpeg closes, reconciles the
 * catalogue with the disk at start, and applies retention every minute and whenever a segment
 * closes. Storage failing gives a notice; cameras and detection go on.
 *
 * Start-up: the segment files on disk are listed before any camera starts (so a file being
 * written by this run's ffmpeg is never among them). Rows whose file is gone are removed; a file
 * without a row (the segment a crash cut short) is catalogued when it decodes, and deleted when it
 * does not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ClipMaker, CLIPS_DIR } from './clips';
import type { Db } from '../events/db';
import { segmentNameTime, type SegmentMessage } from '../../shared/contracts/recording';
import { SegmentCatalogue } from './catalogue';
import { RecordingFiles } from './segment-files';
import { recoverSegment } from './probe';
import { planRetention, type CameraRecordPolicy, type DiskSpace, type RetentionLimits } from './retention';

export interface RecordingsOptions {
  /** DATA/recordings. */
  root: string;
  /** The events database (its segments table). */
  db: Db;
  /** The ffmpeg that checks uncatalogued files at start; null: they are left for the next start. */
  ffmpegPath: () => string | null;
  limits: () => RetentionLimits;
  policyOf: (camera: string) => CameraRecordPolicy | null;
  notice: (level: 'info' | 'warning' | 'error', message: string) => void;
  segmentSeconds: number;
  checkEveryMs?: number;
  /** Where clips are cut to (DATA/clips); default beside the recordings folder. */
  clipsDir?: string;
  /** The recordings disk's space (tests replace it); default fs.statfsSync. */
  diskSpace?: (dir: string) => DiskSpace | null;
}

export interface RecoveryResult {
  recovered: number;
  removedFiles: number;
  removedRows: number;
}

const NOTICE_EVERY_MS = 60_000;

export class Recordings {
  readonly catalogue: SegmentCatalogue;
  readonly files: RecordingFiles;
  /** Clips and exports cut from the catalogue. */
  readonly clips: ClipMaker;
  /** Resolves when the start-up reconciliation is done. */
  readonly recovered: Promise<RecoveryResult>;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastNotice = new Map<string, number>();

  constructor(private readonly options: RecordingsOptions) {
    this.files = new RecordingFiles(options.root);
    this.catalogue = new SegmentCatalogue(options.db);
    this.clips = new ClipMaker({
      dir: options.clipsDir ?? path.join(path.dirname(options.root), CLIPS_DIR),
      catalogue: this.catalogue,
      files: this.files,
      ffmpegPath: options.ffmpegPath,
    });
    this.clips.sweep();
    const onDisk = this.files.scan();
    this.recovered = this.reconcile(onDisk).catch((err: Error) => {
      this.notice('recover', 'warning', `Recordings could not be checked at start: ${err.message}`);
      return { recovered: 0, removedFiles: 0, removedRows: 0 };
    });
    this.timer = setInterval(() => this.enforce(), options.checkEveryMs ?? 60_000);
    this.timer.unref();
  }

  /** A camera's folder, made before its worker starts (its ffmpeg writes below it). */
  cameraDir(camera: string): string {
    return this.files.ensureCameraDir(camera);
  }

  /** ffmpeg closed a segment: catalogue it (when the file is there, whole) and apply retention. */
  onSegment(message: SegmentMessage): boolean {
    const rel = this.files.relPath(message.cameraId, message.name);
    const named = segmentNameTime(message.name);
    if (!rel || named === null) return false;
    // The worker's time of the opening, when it agrees with the name's second; else the name's.
    const start = message.start !== undefined && message.start >= named && message.start < named + 2000 ? message.start : named;
    const bytes = this.files.size(rel);
    if (bytes === null) return false;
    try {
      this.catalogue.add({ camera: message.cameraId, start, end: start + Math.round(message.seconds * 1000), bytes, path: rel });
    } catch (err) {
      this.notice('catalogue', 'error', `A recording segment could not be catalogued: ${(err as Error).message}. Detection goes on.`);
      return false;
    }
    this.enforce();
    return true;
  }

  /** Applies retention now; returns how many segments went. */
  enforce(now = Date.now()): number {
    if (this.closed) return 0;
    try {
      const disk = (this.options.diskSpace ?? diskSpace)(this.options.root);
      const plan = planRetention(this.options.db, this.options.limits(), this.options.policyOf, now, disk, this.options.segmentSeconds * 1000);
      let removed = 0;
      for (const { segment } of plan.remove) {
        // The row goes first: a crash between leaves a file the next start finds and checks again.
        if (this.catalogue.remove(segment.id)) removed++;
        try {
          this.files.remove(segment.path);
        } catch (err) {
          // A link where a segment folder was: the file is left alone, the rest go on.
          this.notice('remove', 'warning', `A recording was not deleted: ${(err as Error).message}`);
        }
      }
      if (plan.shortBy > 0) {
        this.notice(
          'space',
          'warning',
          `The recordings disk is short of its free-space floor by ${(plan.shortBy / 1e9).toFixed(2)} GB after deleting all the footage it may; cameras stop recording when it fills, detection goes on.`,
        );
      }
      return removed;
    } catch (err) {
      this.notice('retention', 'error', `Old recordings could not be deleted: ${(err as Error).message}. Detection goes on.`);
      return 0;
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async reconcile(onDisk: string[]): Promise<RecoveryResult> {
    const result: RecoveryResult = { recovered: 0, removedFiles: 0, removedRows: 0 };
    const rows = this.catalogue.paths();
    for (const [rel, id] of rows) {
      if (this.files.size(rel) === null && this.catalogue.remove(id)) result.removedRows++;
    }
    const ffmpeg = this.options.ffmpegPath();
    for (const rel of onDisk) {
      if (rows.has(rel) || this.closed) continue;
      if (!ffmpeg) continue;
      const [camera, , , name] = rel.split('/');
      const start = segmentNameTime(name)!;
      const seconds = await recoverSegment(ffmpeg, this.files.absPath(rel));
      if (this.closed) break;
      const bytes = this.files.size(rel);
      if (seconds !== null && bytes !== null && bytes > 0) {
        if (this.catalogue.add({ camera, start, end: start + Math.round(seconds * 1000), bytes, path: rel })) result.recovered++;
      } else if (this.files.remove(rel)) result.removedFiles++;
    }
    return result;
  }

  private notice(key: string, level: 'info' | 'warning' | 'error', message: string): void {
    const now = Date.now();
    if (now - (this.lastNotice.get(key) ?? -Infinity) < NOTICE_EVERY_MS) return;
    this.lastNotice.set(key, now);
    this.options.notice(level, message);
  }
}

function diskSpace(dir: string): DiskSpace | null {
  try {
    const s = fs.statfsSync(dir);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return null;
  }
}
