/**
 * A file camera's path, checked when it is saved (addCamera, or updateCamera with a new source):
 * it must name a regular file this process can read, and ffmpeg must find a video picture in it.
 * The answer is the dialog's error, so a typo never becomes a camera whose tile is in error.
 * Cameras loaded from the configuration at start are not checked here: their start says what is
 * wrong, on the tile, as before (a file may come back, a disk may be mounted later).
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CameraSource } from '../shared/contracts/config';

/** Reading one picture of a video on a busy machine; past this the check gives up and lets it be. */
const PROBE_TIMEOUT_MS = 30_000;

/** Why this source's file cannot be a camera, or null when it can (or it is not a file camera). */
export async function fileSourceProblem(source: CameraSource, ffmpegPath: string | null): Promise<string | null> {
  if (source.kind !== 'file') return null;
  // As the camera's ffmpeg will open it (src/workers/sources/ffmpeg-args.ts).
  const file = path.resolve(source.path);
  let info;
  try {
    info = await stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? `there is no file at ${file}` : `${file} cannot be read: ${(err as Error).message}`;
  }
  if (info.isDirectory()) return `${file} is a folder, not a video file`;
  if (!info.isFile()) return `${file} is not a regular file`;
  try {
    await access(file, constants.R_OK);
  } catch {
    return `${file} cannot be read by the engine (permission denied)`;
  }
  // Without ffmpeg the camera's start says so; the path itself is fine.
  if (!ffmpegPath) return null;
  const problem = await probeVideo(ffmpegPath, file);
  return problem === null ? null : `${file} is not a video ffmpeg can read: ${problem}`;
}

/** null when ffmpeg decodes one video picture of the file; else ffmpeg's last words. A timeout is not a verdict. */
function probeVideo(ffmpegPath: string, file: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-v', 'error', '-i', `file:${file}`, '-map', '0:v:0', '-frames:v', '1', '-f', 'null', '-'],
      { timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (!err) return resolve(null);
        if (err.killed) return resolve(null);
        const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
        // ffmpeg names the file in its complaint; the caller names it already.
        const last = (lines.at(-1) ?? `ffmpeg exited with ${err.code}`).replace(`file:${file}: `, '');
        resolve(/matches no streams/.test(last) ? 'it has no video stream' : last);
      },
    );
  });
}
