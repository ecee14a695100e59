/**
 * Clips cut from the catalogue on request: the segments overlapping [from, to) joined by ffmpeg's
 * concat demuxer with `-c copy` (never re-encoded), the first entered at `from` (the demuxer starts
 * at the keyframe before it, so the clip starts on a keyframe at most one GOP early: segments are
 * cut on keyframes), the last left at `to`, with `faststart` so a player needs no seek to the end.
 *
 * Clips are cached in DATA/clips under their key and the footage's end (a clip of an event still
 * being recorded is made again once more footage is catalogued); a clip not asked for in an hour
 * goes. At most `maxConcurrent` exports run at once and a few wait; more are refused (ClipBusyError).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureOwnDir, lstatOrNull, refuseLink, removeOwnFile, sweepOwnFiles, tempNameFor } from '../../node/files';
import type { SegmentCatalogue } from './catalogue';
import type { RecordingFiles } from './segment-files';

export const CLIPS_DIR = 'clips';
const CLIP_NAME = /^[a-z0-9][a-z0-9_-]{0,150}\.mp4$/i;
const isClipName = (name: string) => CLIP_NAME.test(name);

/** Too many exports at once: try again shortly. */
export class ClipBusyError extends Error {}

export interface ClipMakerOptions {
  dir: string;
  catalogue: SegmentCatalogue;
  files: RecordingFiles;
  ffmpegPath: () => string | null;
  maxConcurrent?: number;
  maxWaiting?: number;
  keepMs?: number;
}

/** The concat demuxer's list: each file quoted as ffconcat reads it, with the in and out points. */
export function concatList(entries: { file: string; inpoint?: number; outpoint?: number }[]): string {
  const lines = ['ffconcat version 1.0'];
  for (const e of entries) {
    if (/[\u0000-\u001f]/.test(e.file)) throw new Error('a segment path holds a control character');
    lines.push(`file '${e.file.replace(/'/g, "'\\''")}'`);
    if (e.inpoint !== undefined) lines.push(`inpoint ${e.inpoint.toFixed(3)}`);
    if (e.outpoint !== undefined) lines.push(`outpoint ${e.outpoint.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

export class ClipMaker {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly inFlight = new Map<string, Promise<string | null>>();

  constructor(private readonly options: ClipMakerOptions) {}

  get dir(): string {
    return this.options.dir;
  }

  /**
   * The clip file of a camera's [from, to) under `key` (letters, digits, - and _), made or taken
   * from the cache; null when no footage overlaps it.
   */
  async clip(key: string, camera: string, from: number, to: number): Promise<string | null> {
    const segments = this.options.catalogue.overlapping(camera, from, to);
    if (segments.length === 0) return null;
    const name = `${key}-${segments[segments.length - 1].end}.mp4`;
    if (!isClipName(name)) throw new Error(`clip name ${JSON.stringify(name)} is not one the app makes`);
    ensureOwnDir(this.options.dir);
    const file = path.join(this.options.dir, name);
    const cached = refuseLink(file);
    if (cached?.isFile() && cached.size > 0) {
      fs.utimesSync(file, new Date(), new Date()); // asked for again: kept another while
      return file;
    }
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const made = this.queued(async () => {
      const ffmpeg = this.options.ffmpegPath();
      if (!ffmpeg) throw new Error('no ffmpeg to cut clips with');
      const first = segments[0];
      const last = segments[segments.length - 1];
      const list = concatList(
        segments.map((s) => ({
          file: this.options.files.absPath(s.path),
          ...(s === first && from > s.start ? { inpoint: (from - s.start) / 1000 } : {}),
          ...(s === last && to < s.end ? { outpoint: (to - s.start) / 1000 } : {}),
        })),
      );
      const temp = path.join(this.options.dir, tempNameFor(name));
      try {
        await runFfmpeg(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,pipe', '-i', 'pipe:0',
          '-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', temp], list);
        refuseLink(file);
        fs.renameSync(temp, file);
      } finally {
        if (lstatOrNull(temp)) removeOwnFile(this.options.dir, path.basename(temp), () => true);
      }
      this.sweep();
      return file;
    });
    this.inFlight.set(name, made);
    try {
      return await made;
    } finally {
      this.inFlight.delete(name);
    }
  }

  /** Clips not asked for within keepMs go (and temp files of exports that did not finish). */
  sweep(now = Date.now()): void {
    if (!lstatOrNull(this.options.dir)) return;
    const keepMs = this.options.keepMs ?? 3_600_000;
    sweepOwnFiles(this.options.dir, {
      own: isClipName,
      keep: (name) => {
        const stat = lstatOrNull(path.join(this.options.dir, name));
        return !!stat && now - stat.mtimeMs < keepMs;
      },
    });
  }

  private async queued<T>(work: () => Promise<T>): Promise<T> {
    const max = this.options.maxConcurrent ?? 2;
    if (this.running >= max) {
      if (this.waiting.length >= (this.options.maxWaiting ?? 4)) throw new ClipBusyError('too many clips are being cut; try again in a few seconds');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

function runFfmpeg(ffmpeg: string, args: string[], stdin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => (stderr = (stderr + t).slice(-2000)));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`ffmpeg could not cut the clip (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}
