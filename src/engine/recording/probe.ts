/**
 * Whether a segment file plays, and for how long: ffmpeg decodes its video to nothing (`-f null`)
 * and its last progress line says how far it got. A fragmented MP4 cut short by a SIGKILL decodes
 * up to its last whole fragment. No ffprobe needed: the bundled ffmpeg is enough.
 */
import { execFile } from 'node:child_process';

/** The "time=HH:MM:SS.xx" of ffmpeg's last progress line, in seconds, and its frame count. */
export function progressOf(stderr: string): { seconds: number; frames: number } | null {
  const times = [...stderr.matchAll(/frame=\s*(\d+).*?time=\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/g)];
  const last = times[times.length - 1];
  if (!last) return null;
  return { frames: Number(last[1]), seconds: Number(last[2]) * 3600 + Number(last[3]) * 60 + Number(last[4]) };
}

/** Seconds of video the file decodes to, or null when it decodes to no frame at all. */
export function decodedSeconds(ffmpegPath: string, file: string, timeoutMs = 60_000): Promise<number | null> {
  return new Promise((resolve) => {
    execFile(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-stats', '-i', `file:${file}`, '-map', '0:v:0', '-f', 'null', '-'],
      { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, windowsHide: true },
      (_err, _stdout, stderr) => {
        const progress = progressOf(String(stderr));
        resolve(progress && progress.frames > 0 && progress.seconds > 0 ? progress.seconds : null);
      },
    );
  });
}
