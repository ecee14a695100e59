/**
 * What a media file holds, for tests: its streams (codec, picture size) and how many seconds of
 * video it plays. ffprobe when the machine has it; else the ffmpeg the app uses, reading the file
 * to nothing (`-c copy -f null`) and parsing its stream lines and its last progress line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { onPath } from './system-tools';

export interface ProbedStream {
  type: 'video' | 'audio' | 'other';
  codec: string;
  width?: number;
  height?: number;
}

export interface ProbedMedia {
  streams: ProbedStream[];
  /** Seconds of video read; null when nothing could be read. */
  seconds: number | null;
  /** The first video packet is a keyframe. */
  keyframeFirst: boolean;
}

function viaFfprobe(ffprobe: string, file: string): ProbedMedia {
  const info = JSON.parse(
    execFileSync(ffprobe, ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height', '-of', 'json', file], { encoding: 'utf8' }),
  ) as { streams: { codec_type: string; codec_name: string; width?: number; height?: number }[] };
  const packets = execFileSync(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,duration_time,flags', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(','));
  const first = packets[0];
  const last = packets[packets.length - 1];
  const seconds = first && last ? Number(last[0]) + Number(last[1] || 0) - Number(first[0]) : null;
  return {
    streams: info.streams.map((s) => ({ type: s.codec_type === 'video' || s.codec_type === 'audio' ? s.codec_type : 'other', codec: s.codec_name, width: s.width, height: s.height })),
    seconds,
    keyframeFirst: !!first && first[2].includes('K'),
  };
}

function viaFfmpeg(ffmpeg: string, file: string): ProbedMedia {
  const run = spawnSync(ffmpeg, ['-hide_banner', '-nostdin', '-stats', '-i', `file:${file}`, '-map', '0', '-c', 'copy', '-f', 'null', '-'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const err = run.stderr ?? '';
  // The input's streams are listed before the output's: read up to "Stream mapping".
  const inputPart = err.split(/^\s*(?:Stream mapping|Output #0)/m)[0];
  const streams: ProbedStream[] = [];
  for (const m of inputPart.matchAll(/^\s*Stream #0:\d+.*?: (Video|Audio|Data|Subtitle): ([a-z0-9_]+)[^\n]*/gm)) {
    const size = /, (\d{2,5})x(\d{2,5})[ ,]/.exec(m[0] + ' ');
    streams.push({ type: m[1] === 'Video' ? 'video' : m[1] === 'Audio' ? 'audio' : 'other', codec: m[2], ...(size ? { width: Number(size[1]), height: Number(size[2]) } : {}) });
  }
  const times = [...err.matchAll(/time=\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/g)];
  const last = times[times.length - 1];
  const seconds = last ? Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]) : null;
  // showinfo says of the first frame decoded whether it is a keyframe.
  const first = spawnSync(ffmpeg, ['-hide_banner', '-nostdin', '-i', `file:${file}`, '-map', '0:v:0', '-frames:v', '1', '-vf', 'showinfo', '-f', 'null', '-'], { encoding: 'utf8' });
  const keyframeFirst = first.status === 0 && /iskey:(\d)/.exec(first.stderr ?? '')?.[1] === '1';
  return { streams, seconds: seconds && seconds > 0 ? seconds : null, keyframeFirst };
}

export function probeMedia(ffmpeg: string, file: string): ProbedMedia {
  const ffprobe = onPath('ffprobe');
  return ffprobe ? viaFfprobe(ffprobe, file) : viaFfmpeg(ffmpeg, file);
}
