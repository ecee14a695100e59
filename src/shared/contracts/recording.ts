/**
 * Recording (docs/cameras.md#recording): what a camera's worker is told to record, the message it
 * sends when ffmpeg has closed a segment, what the camera's status says about it, and the HTTP
 * API's answers.
 */
import { z } from 'zod';
import { CameraId } from './frames';

/** Segment file names: YYYYMMDD-HHMMSS-TAG.mp4, the UTC second the segment opened and ffmpeg's run tag. */
export const SEGMENT_NAME = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-([a-z0-9]{1,16})\.mp4$/;
export const SegmentName = z.string().max(64).regex(SEGMENT_NAME, 'not a segment name');

/** The UTC time (ms) a segment's name says it opened, or null for a name that is not a segment's. */
export function segmentNameTime(name: string): number | null {
  const m = SEGMENT_NAME.exec(name);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  // 20261340-... is no date: Date.UTC would roll it over.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi) return null;
  return t;
}

/** The folder of a segment below the camera's folder: YYYY-MM-DD/HH of its UTC start. */
export function segmentFolder(name: string): [string, string] | null {
  const m = SEGMENT_NAME.exec(name);
  return m && segmentNameTime(name) !== null ? [`${m[1]}-${m[2]}-${m[3]}`, m[4]] : null;
}

/** A segment ffmpeg has closed (its line in the segment list), sent by the worker to main. */
export const SegmentMessage = z.object({
  type: z.literal('segment'),
  cameraId: CameraId,
  name: SegmentName,
  /** When ffmpeg opened it (ms since the epoch), as the worker saw it; absent: the second its name gives. */
  start: z.number().int().nonnegative().optional(),
  /** Its length in seconds as ffmpeg's segment list gives it. */
  seconds: z.number().min(0).max(3600),
  bytes: z.number().int().nonnegative(),
});
export type SegmentMessage = z.infer<typeof SegmentMessage>;

/** What a camera's status says about its recording. */
export const RecordingStatus = z.object({
  /** 'recording', 'paused' (the disk is full: detection goes on), or 'off'. */
  state: z.enum(['recording', 'paused', 'off']),
  /** The recorded stream's audio: copied (AAC), dropped (a codec MP4 cannot hold), or none. */
  audio: z.enum(['copied', 'dropped', 'none', 'unknown']),
  note: z.string().max(500).nullable(),
  segments: z.number().int().nonnegative(),
});
export type RecordingStatus = z.infer<typeof RecordingStatus>;

/** GET /api/recordings: recorded ranges, times in ms since the epoch. */
export const RecordingRanges = z.object({
  ranges: z.array(z.object({ camera: CameraId, start: z.number(), end: z.number() })),
});
export type RecordingRanges = z.infer<typeof RecordingRanges>;
