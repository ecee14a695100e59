/**
 * The live view's fragmented-MP4 reader on real ffmpeg output: clips made at test time by the
 * bundled ffmpeg, copied (`-c copy`) through the live output planFfmpeg adds, read from fd 6 as the
 * camera worker reads it. Runs child processes, so it is in the `process` project.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { LIVE_FD, LIVE_OUTPUT, planFfmpeg } from '../../src/workers/sources/ffmpeg-args';
import { Fmp4Reader, type InitSegment, type MediaFragment } from '../../src/workers/sources/fmp4-reader';
import { FfmpegSource } from '../../src/workers/sources/ffmpeg-source';
import { untilValue } from '../support/process';

const ffmpeg = resolveFfmpeg().path;
let dir: string;

/** A 3 s 320x240 10 fps clip, a keyframe every `gop` frames, in `codec`. */
function makeClip(name: string, encode: string[]): string {
  const file = path.join(dir, name);
  execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '3', ...encode, file], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 120_000,
  });
  return file;
}

/** The live output cut at keyframes only (LIVE_OUTPUT without its half-second -frag_duration). */
const KEYFRAME_FRAGMENTS = LIVE_OUTPUT.filter((a, i, all) => a !== '-frag_duration' && all[i - 1] !== '-frag_duration');

/** What ffmpeg writes on the live fd for this input. */
async function liveBytes(input: string[], output: string[] = KEYFRAME_FRAGMENTS): Promise<Buffer> {
  const stdio: Array<'pipe' | 'ignore'> = ['ignore', 'ignore', 'pipe', 'ignore', 'ignore', 'ignore', 'pipe'];
  const child = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', ...input, ...output], { stdio });
  const chunks: Buffer[] = [];
  let stderr = '';
  (child.stdio[LIVE_FD as number] as unknown as Readable).on('data', (c: Buffer) => chunks.push(c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`ffmpeg exited with ${code}: ${stderr}`);
  return Buffer.concat(chunks);
}

/** Frames ffmpeg decodes from these bytes, and whether it complained. */
function decode(bytes: Uint8Array): { frames: number; errors: string } {
  const out = execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', 'pipe:0', '-map', '0:v', '-f', 'framemd5', 'pipe:1'], {
    input: bytes,
    stdio: ['pipe', 'pipe', 'pipe'],
  }).toString();
  return { frames: out.split('\n').filter((l) => /^\d+,/.test(l)).length, errors: '' };
}

function read(bytes: Uint8Array, chunk = bytes.length): { reader: Fmp4Reader; inits: InitSegment[]; fragments: MediaFragment[]; errors: Error[] } {
  const inits: InitSegment[] = [];
  const fragments: MediaFragment[] = [];
  const errors: Error[] = [];
  const reader = new Fmp4Reader({ onInit: (i) => inits.push(i), onFragment: (f) => fragments.push(f), onError: (e) => errors.push(e) });
  for (let at = 0; at < bytes.length; at += chunk) reader.push(bytes.subarray(at, at + chunk));
  return { reader, inits, fragments, errors };
}

let h264: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'multicam-fmp4-'));
  const clip = makeClip('h264.mp4', ['-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-level', '3.0', '-pix_fmt', 'yuv420p', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-bf', '0']);
  h264 = await liveBytes(['-i', `file:${clip}`]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ffmpeg live output', () => {
  it('is planned on fd 6 only when asked, and never for a still picture or a device', () => {
    const stream = (live?: boolean) => planFfmpeg({ source: { kind: 'stream', url: 'rtsp://127.0.0.1/cam' }, width: 128, height: 128, preview: null, live });
    expect(stream().args).not.toContain(`pipe:${LIVE_FD}`);
    expect(stream(false).live).toBe(false);
    const on = stream(true);
    expect(on.live).toBe(true);
    expect(on.liveOutput).toBe(1);
    expect(planFfmpeg({ source: { kind: 'stream', url: 'rtsp://127.0.0.1/cam' }, width: 128, height: 128, preview: { maxWidth: 960, fps: 5 }, live: true }).liveOutput).toBe(2);
    expect(on.args.slice(-LIVE_OUTPUT.length)).toEqual(LIVE_OUTPUT);
    expect(on.args.join(' ')).toContain('-c:v copy -an -f mp4 -movflags frag_keyframe+empty_moov+default_base_moof -frag_duration 500000 pipe:6');
    const still = planFfmpeg({ source: { kind: 'file', path: 'door.jpg' }, width: 128, height: 128, preview: null, live: true });
    expect(still.live).toBe(false);
    expect(still.args).not.toContain('pipe:6');
    const device = planFfmpeg({ source: { kind: 'device', path: '/dev/video0' }, width: 128, height: 128, preview: null, live: true, platform: 'linux' });
    expect(device.live).toBe(false);
  });
});

describe('Fmp4Reader', () => {
  it('reads the init segment: codec string, size and timescale of the H.264 track', () => {
    const { inits, errors } = read(h264);
    expect(errors).toEqual([]);
    expect(inits).toHaveLength(1);
    // Constrained Baseline: profile 0x42, constraint flags 0xc0, level 3.0 (0x1e).
    expect(inits[0].track.codec).toBe('avc1.42c01e');
    expect(inits[0].track).toMatchObject({ width: 320, height: 240 });
    expect(inits[0].track.timescale).toBeGreaterThan(0);
    // The init segment is ftyp then moov, and nothing else.
    const data = inits[0].data;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const ftypSize = dv.getUint32(0);
    const types = [0, ftypSize].map((at) => String.fromCharCode(...data.subarray(at + 4, at + 8)));
    expect(ftypSize + dv.getUint32(ftypSize)).toBe(data.length);
    expect(types).toEqual(['ftyp', 'moov']);
  });

  it('cuts one fragment a GOP, each starting on a keyframe, and keeps only the last', () => {
    const { reader, fragments } = read(h264);
    expect(fragments).toHaveLength(3);
    expect(fragments.map((f) => f.keyframe)).toEqual([true, true, true]);
    expect(fragments.map((f) => f.samples)).toEqual([10, 10, 10]);
    expect(fragments.map((f) => f.seq)).toEqual([0, 1, 2]);
    const timescale = reader.init!.track.timescale;
    for (const f of fragments) expect(f.duration).toBe(timescale);
    expect(fragments.map((f) => f.decodeTime)).toEqual([0, timescale, 2 * timescale]);
    expect(reader.gop).toEqual([fragments[2]]);
  });

  it('gives the same boxes whatever the pipe chunks are', () => {
    const whole = read(h264);
    for (const chunk of [1, 7, 4096]) {
      const split = read(h264, chunk);
      expect(split.inits.map((i) => Buffer.from(i.data))).toEqual(whole.inits.map((i) => Buffer.from(i.data)));
      expect(split.fragments.map((f) => Buffer.from(f.data))).toEqual(whole.fragments.map((f) => Buffer.from(f.data)));
    }
  });

  it('keeps a playable start: init segment plus the last GOP decodes, every frame of it', () => {
    const { reader } = read(h264);
    const start = Buffer.concat([reader.init!.data, ...reader.gop.map((f) => f.data)]);
    expect(decode(start).frames).toBe(10);
  });

  it('with fragments shorter than a GOP, keeps the keyframe fragment and those after it', async () => {
    const clip = path.join(dir, 'h264.mp4');
    // The live output as planned: fragments at most half a second long, a GOP here is 1 s.
    const bytes = await liveBytes(['-i', `file:${clip}`], LIVE_OUTPUT);
    const { reader, fragments } = read(bytes);
    expect(fragments.length).toBeGreaterThan(3);
    expect(fragments.filter((f) => f.keyframe)).toHaveLength(3);
    expect(fragments[0].keyframe).toBe(true);
    const lastKey = fragments.map((f) => f.keyframe).lastIndexOf(true);
    expect(reader.gop).toEqual(fragments.slice(lastKey));
    expect(reader.gop.length).toBeGreaterThan(1);
    const start = Buffer.concat([reader.init!.data, ...reader.gop.map((f) => f.data)]);
    expect(decode(start).frames).toBe(10);
  });

  it('names HEVC and Motion-JPEG tracks, which a page may not play', async () => {
    const hevc = makeClip('hevc.mp4', ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error:keyint=10', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1']);
    const h = read(await liveBytes(['-i', `file:${hevc}`]));
    expect(h.errors).toEqual([]);
    // Main profile (1), compatibility flags 0x60000000 reversed = 6, main tier, level chosen by x265.
    expect(h.inits[0].track.codec).toMatch(/^hvc1\.1\.6\.L\d+(\.[0-9a-f]{2})*$/);
    expect(h.fragments.every((f) => f.samples > 0)).toBe(true);
    const mjpeg = makeClip('clip.mjpeg', ['-c:v', 'mjpeg', '-f', 'mjpeg']);
    const m = read(await liveBytes(['-f', 'mjpeg', '-framerate', '10', '-i', `file:${mjpeg}`]));
    expect(m.errors).toEqual([]);
    expect(m.inits[0].track.codec).toBe('mp4v.6c');
    expect(m.inits[0].track).toMatchObject({ width: 320, height: 240 });
    expect(m.fragments.length).toBeGreaterThan(0);
    expect(m.fragments.every((f) => f.keyframe)).toBe(true);
  });

  it('drops what it kept on a box that cannot be, reads nothing more of that stream, and starts again after reset', () => {
    const whole = read(h264);
    const initEnd = whole.inits[0].data.length;
    const start = h264.subarray(0, initEnd + whole.fragments[0].data.length);
    const garbage = Buffer.from([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x66]); // a 'moof' of 4 bytes: less than its header
    const { reader, fragments, errors } = read(Buffer.concat([start, garbage]));
    expect(fragments).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/less than its header/);
    expect(reader.init).toBeNull();
    expect(reader.gop).toEqual([]);
    reader.push(h264);
    expect(reader.init).toBeNull();
    reader.reset();
    reader.push(h264);
    expect(reader.init?.track.codec).toBe('avc1.42c01e');
    expect(Buffer.from(reader.gop[0].data)).toEqual(Buffer.from(whole.fragments[2].data));
  });

  it('forgets the stream on reset, and starts no viewer on fragments without their init segment', () => {
    const { reader, fragments } = read(h264);
    reader.reset();
    expect(reader.init).toBeNull();
    expect(reader.gop).toEqual([]);
    reader.push(h264.subarray(h264.length - fragments[2].data.length));
    expect(reader.init).toBeNull();
    expect(reader.gop).toEqual([]);
  });
});

describe('FfmpegSource with the live output', () => {
  it('reads the live stream beside the model frames, and runs on without it when MP4 cannot hold the codec (VP8)', async () => {
    const h264 = path.join(dir, 'h264.mp4');
    const vp8 = makeClip('vp8.webm', ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-g', '10']);
    for (const [file, playable] of [[h264, true], [vp8, false]] as const) {
      const inits: string[] = [];
      let fragments = 0;
      let frames = 0;
      const logs: string[] = [];
      const source = new FfmpegSource({
        ffmpegPath: ffmpeg, source: { kind: 'file', path: file }, width: 64, height: 64, maxFps: 10, preview: null, live: true,
        onFrame: () => frames++,
        onLive: (e) => (e.kind === 'init' ? inits.push(e.init.track.codec) : fragments++),
        onLog: (line) => logs.push(line),
      });
      source.start();
      try {
        await untilValue(`${file}: frames${playable ? ' and live fragments' : ''}`, () => (frames > 10 && (!playable || fragments > 2) ? true : null), 60_000);
      } finally {
        await source.stop();
      }
      if (playable) {
        expect(inits[0]).toBe('avc1.42c01e');
        expect(source.liveStart()?.gop[0].keyframe).toBe(true);
      } else {
        expect(inits).toEqual([]);
        expect(logs.join('\n')).toMatch(/codec cannot be copied into MP4/);
        expect(source.stats().state).not.toBe('error');
      }
    }
  });
});
