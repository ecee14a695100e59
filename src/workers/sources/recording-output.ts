/**
 * The recording side of a camera's ffmpeg (docs/ffmpeg-plan.md): the folders segments go into,
 * the closed-segment list ffmpeg writes to fd 5, whether the recorded stream's audio can be kept,
 * and pausing when the disk is full.
 *
 * - Folders: ffmpeg's segment muxer opens DIR/YYYY-MM-DD/HH/NAME but makes no folder, so this
 *   hour's and the next hour's folder are made (through src/node/files: 0700, never through a
 *   link) before each start and every minute.
 * - Audio: MP4 holds AAC but not G.711. The first run maps the audio; when ffmpeg's input report
 *   names another codec, that run is ended and the next runs without audio, with a note.
 * - Full disk: when ffmpeg fails on a segment (no space, a folder it cannot write), recording
 *   pauses: ffmpeg runs again at once without the recording output, so detection goes on, and
 *   recording resumes once a minute's check finds room.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ensureOwnDir } from '../../node/files';
import { SEGMENT_NAME, type RecordingStatus } from '../../shared/contracts/recording';
import type { RecordOutputOptions } from './ffmpeg-args';

export interface RecordingOutputOptions {
  dir: string;
  segmentSeconds: number;
  url?: string;
  /** A segment ffmpeg has closed: its name, when it was opened (if seen), length and size. */
  onSegment(segment: { name: string; start?: number; seconds: number; bytes: number }): void;
  /** Free bytes the disk must have for recording to resume after it filled (default 256 MB). */
  resumeFreeBytes?: number;
  /** The disk's free bytes (tests replace it); default fs.statfsSync. */
  freeBytes?(dir: string): number;
}

const HOUR_MS = 3_600_000;

/** The folder below the camera's for a UTC time: [YYYY-MM-DD, HH]. */
export function hourFolder(t: number): [string, string] {
  const iso = new Date(t).toISOString();
  return [iso.slice(0, 10), iso.slice(11, 13)];
}

/** One line of ffmpeg's CSV segment list: `name,start,end` (a name with a comma or quote is quoted). */
export function parseSegmentLine(line: string): { name: string; seconds: number } | null {
  const m = /^("(?:[^"]|"")*"|[^,]*),([0-9.]+),([0-9.]+)$/.exec(line.trim());
  if (!m) return null;
  const name = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
  const seconds = Number(m[3]) - Number(m[2]);
  return Number.isFinite(seconds) && seconds >= 0 ? { name: path.basename(name), seconds } : null;
}

export class RecordingOutput {
  private audio: RecordingStatus['audio'] = 'unknown';
  private keepAudio = true;
  private note: string | null = null;
  private paused = false;
  /** Off for good in this worker (a raw video source): never resumed. */
  private disabled = false;
  private segments = 0;
  private partial = '';
  private timer: NodeJS.Timeout | null = null;
  /** When ffmpeg said it opened each segment still open (its name gives the second only). */
  private readonly opened = new Map<string, number>();

  constructor(private readonly options: RecordingOutputOptions) {}

  /** Starts the minute's check; `resume` restarts ffmpeg with the recording output again. */
  start(resume: () => void): void {
    this.timer = setInterval(() => {
      if (this.disabled) return;
      if (!this.paused) {
        this.makeFolders(Date.now());
      } else if (this.room()) {
        this.paused = false;
        this.note = null;
        resume();
      }
    }, 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The recording output for the next ffmpeg run, or null while paused (or its folders cannot be made). */
  nextRun(): RecordOutputOptions | null {
    this.partial = '';
    if (this.paused || !this.makeFolders(Date.now())) return null;
    return {
      dir: this.options.dir,
      segmentSeconds: this.options.segmentSeconds,
      runTag: randomBytes(3).toString('hex'),
      audio: this.keepAudio,
      ...(this.options.url ? { url: this.options.url } : {}),
    };
  }

  /** A chunk of ffmpeg's segment list (fd 5). */
  pushList(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const parsed = parseSegmentLine(line);
      if (!parsed || !SEGMENT_NAME.test(parsed.name)) continue;
      this.segments++;
      const start = this.opened.get(parsed.name);
      this.opened.delete(parsed.name);
      this.options.onSegment({ name: parsed.name, ...(start !== undefined ? { start } : {}), seconds: parsed.seconds, bytes: this.sizeOf(parsed.name) });
    }
  }

  /**
   * ffmpeg reported the recorded input's video codec. Raw video (a plain webcam device) would be
   * copied uncompressed, gigabytes an hour: it is not recorded. True when this run must end.
   */
  videoCodec(codec: string | null): boolean {
    if (codec !== 'rawvideo' || this.disabled) return false;
    this.disabled = this.paused = true;
    this.note = 'not recorded: the source gives raw (uncompressed) video';
    return true;
  }

  /**
   * ffmpeg reported the recorded input's audio codec (null: the input has no audio). True when this
   * run must end so the next one runs without audio.
   */
  audioCodec(codec: string | null): boolean {
    if (codec === null) {
      if (this.audio === 'unknown') this.audio = 'none';
      return false;
    }
    if (codec === 'aac') {
      this.audio = 'copied';
      return false;
    }
    this.audio = 'dropped';
    this.note = `audio (${codec}) is not recorded: MP4 holds AAC only`;
    if (!this.keepAudio) return false;
    this.keepAudio = false;
    return true;
  }

  /**
   * An ffmpeg line: true when it says the recording failed (a full disk, a folder it cannot
   * write). Recording then pauses; the caller starts ffmpeg again without it.
   */
  failedOn(line: string, now = Date.now()): boolean {
    // "[segment] Opening '…/NAME' for writing": the moment the segment starts, to the millisecond.
    const opening = /Opening '([^']+)' for writing/.exec(line);
    const name = opening ? path.basename(opening[1]) : null;
    if (name && SEGMENT_NAME.test(name)) {
      this.opened.set(name, now);
      if (this.opened.size > 8) this.opened.delete(this.opened.keys().next().value!);
      return false;
    }
    if (this.paused) return false;
    const about = line.includes(this.options.dir) || /No space left on device/i.test(line);
    if (!about || !/no space|denied|failed|error|could not|read-only/i.test(line)) return false;
    this.pause(/no space/i.test(line) ? 'the disk is full' : line.slice(0, 300));
    return true;
  }

  /** Pauses recording (the disk is full); detection goes on. */
  pause(why: string): void {
    this.paused = true;
    this.note = `recording paused: ${why}; detection goes on, and recording resumes when there is room`;
  }

  status(): RecordingStatus {
    return { state: this.disabled ? 'off' : this.paused ? 'paused' : 'recording', audio: this.audio, note: this.note, segments: this.segments };
  }

  private sizeOf(name: string): number {
    const [day, hour] = hourFolder(this.nameTime(name));
    try {
      const stat = fs.lstatSync(path.join(this.options.dir, day, hour, name));
      return stat.isFile() ? stat.size : 0;
    } catch {
      return 0;
    }
  }

  private nameTime(name: string): number {
    const m = SEGMENT_NAME.exec(name)!;
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  }

  private makeFolders(now: number): boolean {
    try {
      for (const t of [now, now + HOUR_MS]) {
        let dir = this.options.dir;
        ensureOwnDir(dir);
        for (const part of hourFolder(t)) ensureOwnDir((dir = path.join(dir, part)));
      }
      return true;
    } catch (err) {
      this.pause((err as Error).message);
      return false;
    }
  }

  private room(): boolean {
    try {
      const free = this.options.freeBytes ? this.options.freeBytes(this.options.dir) : freeBytes(this.options.dir);
      return free >= (this.options.resumeFreeBytes ?? 256 * 1024 * 1024) && this.makeFolders(Date.now());
    } catch {
      return false;
    }
  }
}

function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}
