/**
 * Chromium plays a Motion-JPEG file as a fake camera, but only JPEGs whose sampling libyuv knows
 * (4:2:0, 4:2:2, 4:4:4...). The fixture's frames are 1x2-sampled in every component (what ffmpeg
 * made from an RGB PNG), which Chromium turns into solid green. So the tests re-encode the frames
 * once per run, 4:4:4, into a temporary file, and leave the fixture as its CREDITS.md describes it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

export function splitMjpeg(bytes: Buffer): Buffer[] {
  const frames: Buffer[] = [];
  let at = 0;
  for (;;) {
    const start = bytes.indexOf(SOI, at);
    if (start < 0) break;
    const end = bytes.indexOf(EOI, start + 2);
    if (end < 0) break;
    frames.push(bytes.subarray(start, end + 2));
    at = end + 2;
  }
  return frames;
}

/** Writes a copy of the clip Chromium can decode, in a temporary folder; returns its absolute path (see removePlayable). */
export function playableMjpeg(source: string): string {
  const frames = splitMjpeg(readFileSync(source));
  if (frames.length === 0) throw new Error(`${source} holds no JPEG frames`);
  const out = frames.map((frame) => {
    const picture = jpeg.decode(frame, { useTArray: true, formatAsRGBA: true });
    return Buffer.from(jpeg.encode({ data: picture.data, width: picture.width, height: picture.height }, 85).data);
  });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'multicam-fake-camera-')), path.basename(source));
  writeFileSync(file, Buffer.concat(out));
  return file;
}

/** Removes the temporary folder playableMjpeg wrote `file` in. */
export function removePlayable(file: string): void {
  rmSync(path.dirname(file), { recursive: true, force: true });
}
