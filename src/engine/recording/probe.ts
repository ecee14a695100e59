/**
 * Whether a segment file plays, and for how long: ffmpeg decodes its video to nothing (`-f null`)
 * and its last progress line says how far it got. A fragmented MP4 cut short by a SIGKILL decodes
 * up to its last whole fragment. No ffprobe needed: the bundled ffmpeg is enough.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { lstatOrNull, refuseLink, removeOwnFile, tempNameFor } from '../../node/files';

/** The "time=HH:MM:SS.xx" of ffmpeg's last progress line, in seconds, and its frame count. */
export function progressOf(stderr: string): { seconds: number; frames: number } | null {
  const times = [...stderr.matchAll(/frame=\s*(\d+).*?time=\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/g)];
  const last = times[times.length - 1];
  if (!last) return null;
  return { frames: Number(last[1]), seconds: Number(last[2]) * 3600 + Number(last[3]) * 60 + Number(last[4]) };
}

/**
 * Seconds of video the file decodes to, or null when it decodes to no frame at all. The file's
 * index (a fragmented MP4's trailing mfra) is ignored: a file cut short ends in the middle of
 * something that is read as one, which would fail the whole file.
 */
export function decodedSeconds(ffmpegPath: string, file: string, timeoutMs = 60_000): Promise<number | null> {
  return new Promise((resolve) => {
    execFile(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-stats', '-fflags', '+ignidx', '-i', `file:${file}`, '-map', '0:v:0', '-f', 'null', '-'],
      { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (_err, _stdout, stderr) => {
        const progress = progressOf(String(stderr));
        resolve(progress && progress.frames > 0 && progress.seconds > 0 ? progress.seconds : null);
      },
    );
  });
}

/**
 * A segment a crash cut short, made whole again: its fragments copied (`-c copy`) into a new
 * fragmented MP4 beside it, which then replaces it, so every player and the clip cutter read it.
 * Returns the seconds it plays, or null when nothing in it decodes (the caller deletes it).
 */
export async function recoverSegment(ffmpegPath: string, file: string): Promise<number | null> {
  const seconds = await decodedSeconds(ffmpegPath, file);
  if (seconds === null) return null;
  const dir = path.dirname(file);
  const temp = path.join(dir, tempNameFor(path.basename(file)));
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        ffmpegPath,
        ['-hide_banner', '-nostdin', '-loglevel', 'error', '-fflags', '+ignidx', '-i', `file:${file}`, '-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy',
          '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4', temp],
        { timeout: 60_000, windowsHide: true },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    refuseLink(file);
    fs.renameSync(temp, file);
    return seconds;
  } catch {
    return null;
  } finally {
    if (lstatOrNull(temp)) removeOwnFile(dir, path.basename(temp), () => true);
  }
}
