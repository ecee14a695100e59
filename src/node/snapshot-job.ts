/**
 * One event picture to make: a JPEG to decode (a display frame, a page's picture) and/or raw
 * pixels, a box to draw, a crop to cut (snapshot.ts). Pure data in, pure data out, so it can run
 * on a camera's snapshot thread (src/workers/snapshot-thread.ts) as well as anywhere else.
 */
import jpeg from 'jpeg-js';
import type { Box } from '../shared/contracts/frames';
import { checkImageSize, ImageError, imageHeaderSize, ImageTooLarge, type ImageLimits } from './images';
import { renderSnapshots, type RawFrame } from './snapshot';

/**
 * Limits on a page's JPEG, checked on the size its header declares before anything is decoded:
 * 4096 pixels a side (a 4K webcam's frames fit), 4096x4096 in all; jpeg-js's buffers at most 256 MB.
 */
export const PAGE_SNAPSHOT_LIMITS: ImageLimits = { side: 4096, pixels: 4096 * 4096 };
/** The display frames ffmpeg writes are scaled down already; the same check keeps a stray one cheap. */
export const DISPLAY_FRAME_LIMITS: ImageLimits = { side: 8192, pixels: 4096 * 4096 };
const DECODE_MAX_MB = 256;

export interface SnapshotJob {
  box: Box;
  /** Tried first. */
  jpeg?: { bytes: Uint8Array; limits: ImageLimits };
  /** Used when there is no JPEG, or it does not decode. */
  raw?: RawFrame;
}

export type SnapshotResult =
  | { ok: true; snapshot: Uint8Array; crop: Uint8Array; /** Why the JPEG was not used, when raw was. */ jpegError?: string }
  | { ok: false; error: string; /** Refused from its header, never decoded. */ tooLarge: boolean };

/** A JPEG as RGBA pixels, refused (ImageError) from its header alone when it is over the limits. */
export function decodeJpeg(bytes: Uint8Array, limits: ImageLimits): RawFrame {
  const header = imageHeaderSize(bytes);
  if (header.format !== 'jpeg') throw new ImageError('it is a PNG, not a JPEG');
  checkImageSize(header.width, header.height, limits);
  const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: limits.pixels / 1e6, maxMemoryUsageInMB: DECODE_MAX_MB });
  if (!decoded.width || !decoded.height) throw new Error('it has no picture');
  return { width: decoded.width, height: decoded.height, channels: 4, data: decoded.data };
}

export function runSnapshotJob(job: SnapshotJob): SnapshotResult {
  let jpegError: string | undefined;
  let tooLarge = false;
  let picture: RawFrame | undefined;
  if (job.jpeg) {
    try {
      picture = decodeJpeg(job.jpeg.bytes, job.jpeg.limits);
    } catch (err) {
      jpegError = (err as Error).message;
      tooLarge = err instanceof ImageTooLarge;
    }
  }
  picture ??= job.raw;
  if (!picture) return { ok: false, error: jpegError ?? 'no picture to make a snapshot of', tooLarge };
  try {
    return { ok: true, ...renderSnapshots(picture, job.box), ...(jpegError ? { jpegError } : {}) };
  } catch (err) {
    return { ok: false, error: (err as Error).message, tooLarge: false };
  }
}
