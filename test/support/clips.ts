/**
 * Clips for tests that run real ffmpeg: the face fixture (Motion-JPEG, 5 fps) re-encoded at run
 * time into a temporary folder the caller removes, as H.264 640x480 at 30 fps, the way most IP
 * cameras and video files carry it, and on demand as VP8 in WebM, which every Chromium plays.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FACE_MJPEG = path.join(root, 'e2e', 'fixtures', 'face-640x480.mjpeg');
export const TEST_FIXTURES = path.join(root, 'test', 'fixtures');

export interface ClipFolder {
  dir: string;
  /** H.264 in MP4, 640x480, 30 fps, the face clip. */
  faceMp4: string;
  /** VP8 in WebM, 640x480, 15 fps, the same clip: what a browser plays from a picked file. */
  faceWebm(): string;
  remove(): void;
}

export function makeClipFolder(ffmpegPath: string): ClipFolder {
  const dir = mkdtempSync(path.join(tmpdir(), 'multicam-clips-'));
  const faceMp4 = path.join(dir, 'face-640x480.mp4');
  try {
    execFileSync(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'mjpeg', '-r', '5', '-i', FACE_MJPEG,
        '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-r', '30', '-g', '30', '-bf', '0', faceMp4],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const faceWebm = () => {
    const file = path.join(dir, 'face-640x480.webm');
    if (!existsSync(file)) {
      execFileSync(
        ffmpegPath,
        ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'mjpeg', '-r', '5', '-i', FACE_MJPEG,
          '-c:v', 'libvpx', '-b:v', '1M', '-deadline', 'realtime', '-cpu-used', '8', '-r', '15', '-g', '15', '-an', file],
        { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 },
      );
    }
    return file;
  };
  return { dir, faceMp4, faceWebm, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A mostly still scene with a face in it, H.264 640x480 at 15 fps, made from the fixtures: the
 * rocket picture for 3 s, the face clip (4 s, the picture panning over the face), the face clip's
 * first frame held for `stillSeconds`, then the rocket again for 3 s. Written into `dir`.
 */
export function makeStillFaceClip(ffmpegPath: string, dir: string, stillSeconds = 20): string {
  const run = (args: string[]) => execFileSync(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  const still = path.join(dir, 'face-still.jpg');
  run(['-f', 'mjpeg', '-r', '5', '-i', FACE_MJPEG, '-frames:v', '1', '-q:v', '2', still]);
  // Each part is encoded alike, then the parts are joined without re-encoding (the concat filter
  // with looped pictures in this ffmpeg miscounts the parts' lengths).
  const encode = ['-vf', 'scale=640:480,setsar=1,format=yuv420p', '-r', '15', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-bf', '0', '-an'];
  const picture = (file: string, seconds: number, out: string) => run(['-loop', '1', '-framerate', '15', '-i', file, ...encode, '-t', String(seconds), out]);
  const parts = [path.join(dir, 'part-0.mp4'), path.join(dir, 'part-1.mp4'), path.join(dir, 'part-2.mp4')];
  picture(path.join(TEST_FIXTURES, 'rocket.jpg'), 3, parts[0]);
  run(['-f', 'mjpeg', '-r', '5', '-i', FACE_MJPEG, ...encode, parts[1]]);
  picture(still, stillSeconds, parts[2]);
  const list = path.join(dir, 'parts.txt');
  writeFileSync(list, [...parts, parts[0]].map((p) => `file '${p}'`).join('\n') + '\n');
  const out = path.join(dir, 'still-face.mp4');
  run(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', out]);
  return out;
}
