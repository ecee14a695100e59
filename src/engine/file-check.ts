/**
 * Sources checked when they are saved (addCamera, or updateCamera with a new source), so the
 * dialog shows what is wrong, not the tile. A file camera's path must name a regular file this
 * process can read, in which ffmpeg finds a video picture (fileSourceProblem). An RTSP transport on
 * a URL with a password needs an ffmpeg whose input list takes options, FFmpeg 5 and newer
 * (transportProblem). Cameras loaded from the configuration at start are not checked here: their
 * start says what is wrong, on the tile, as before (a file may come back, a disk may be mounted later).
 */
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CameraSource } from '../shared/contracts/config';
import { secretsOf } from '../shared/redact';

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

/** Whether each ffmpeg's concat demuxer takes `option` lines (asked once per binary). */
const concatOptions = new Map<string, Promise<boolean>>();

/**
 * Why this stream camera's RTSP transport cannot be given to this ffmpeg, or null. A URL with a
 * password is handed to ffmpeg in an input list (never on its command line), and only FFmpeg 5 and
 * newer take options there; without a password the option goes on the command line and any ffmpeg takes it.
 */
export async function transportProblem(source: CameraSource, ffmpeg: { path: string | null; version: string | null }): Promise<string | null> {
  if (source.kind !== 'stream' || !source.transport || !/^rtsps?:/i.test(source.url) || secretsOf(source.url).length === 0 || !ffmpeg.path) return null;
  let asked = concatOptions.get(ffmpeg.path);
  if (!asked) concatOptions.set(ffmpeg.path, (asked = takesListOptions(ffmpeg.path)));
  if (await asked) return null;
  return (
    `this ffmpeg (${ffmpeg.version ?? ffmpeg.path}) cannot be told the RTSP transport without the password on its command line: ` +
    'choose Automatic, or use FFmpeg 5 or newer (Settings, ffmpeg)'
  );
}

function takesListOptions(ffmpegPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(ffmpegPath, ['-hide_banner', '-v', 'error', '-f', 'concat', '-safe', '0', '-protocol_whitelist', 'pipe,file', '-i', 'pipe:0', '-f', 'null', '-'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', () => resolve(false));
    child.on('close', () => {
      clearTimeout(timer);
      resolve(!/unknown keyword 'option'/.test(stderr));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end("ffconcat version 1.0\nfile 'no-such-input.mp4'\noption rtsp_transport tcp\n");
  });
}
