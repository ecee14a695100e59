/**
 * The pure parts of engine-side sources: which ffmpeg is picked, credential masking, whole-frame
 * reading with newest-wins, JPEG splitting, ffmpeg's command line and its stderr.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keepStoredMqttSecrets, keepStoredUrlSecret, MASK, redactText, redactUrl, secretsOf } from '../../src/shared/redact';
import { planFfmpeg } from '../../src/workers/sources/ffmpeg-args';
import { FfmpegNotFoundError, npmFfmpegBinary, resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { FfmpegLog } from '../../src/workers/sources/ffmpeg-log';
import { JpegSplitter, PpmSplitter, RawFrameReader, type PpmPicture } from '../../src/workers/sources/frame-readers';
import { splitMjpeg } from '../../e2e/support/fake-camera';
import { FACE_MJPEG } from '../support/clips';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'multicam-ffmpeg-units-'));
  dirs.push(dir);
  return dir;
}

describe('which ffmpeg', () => {
  const npm = npmFfmpegBinary();

  it('the npm package ships a binary here (the fallback CI relies on)', () => {
    expect(npm).toMatch(/@ffmpeg-installer/);
  });

  it('PATH emptied: the npm binary, with its version', () => {
    const found = resolveFfmpeg({ envPath: '' });
    expect(found.origin).toBe('npm');
    expect(found.path).toBe(npm);
    expect(found.version.length).toBeGreaterThan(0);
  });

  it('an ffmpeg on the PATH wins over the npm binary', () => {
    const dir = tempDir();
    symlinkSync(npm!, path.join(dir, 'ffmpeg'));
    const found = resolveFfmpeg({ envPath: `${path.join(dir, 'missing')}${path.delimiter}${dir}` });
    expect(found).toMatchObject({ origin: 'path', path: path.join(dir, 'ffmpeg') });
    expect(found.version).toBe(resolveFfmpeg({ envPath: '' }).version);
  });

  it('the ffmpegPath setting wins over both', () => {
    const dir = tempDir();
    symlinkSync(npm!, path.join(dir, 'ffmpeg'));
    const found = resolveFfmpeg({ setting: npm, envPath: dir });
    expect(found).toMatchObject({ origin: 'setting', path: npm });
  });

  it('a setting that is not ffmpeg, or no ffmpeg anywhere, is a clear error', () => {
    const dir = tempDir();
    const fake = path.join(dir, 'not-ffmpeg');
    writeFileSync(fake, '#!/bin/sh\necho hello\n');
    chmodSync(fake, 0o755);
    expect(() => resolveFfmpeg({ setting: fake })).toThrow(/does not run as ffmpeg/);
    expect(() => resolveFfmpeg({ setting: path.join(dir, 'nothing') })).toThrow(/not an executable file/);
    expect(() => resolveFfmpeg({ envPath: '', npmBinary: () => null })).toThrow(FfmpegNotFoundError);
  });
});

describe('credentials', () => {
  it('masks the password of a URL and keeps the rest', () => {
    expect(redactUrl('rtsp://admin:hunter2@10.0.0.5:554/stream1')).toBe('rtsp://admin:***@10.0.0.5:554/stream1');
    expect(redactUrl('http://10.0.0.5/video')).toBe('http://10.0.0.5/video');
    expect(redactUrl('rtsp://user@host/x')).toBe('rtsp://user@host/x');
  });

  it('masks URLs and bare secrets inside any text, encoded or not', () => {
    const url = 'rtsp://cam:p%40ss%3Aw0rd@127.0.0.1:8554/cam';
    const secrets = secretsOf(url);
    expect(secrets).toEqual(expect.arrayContaining(['p%40ss%3Aw0rd', 'p@ss:w0rd']));
    const text = `[rtsp] ${url}: 401; tried p@ss:w0rd`;
    const out = redactText(text, secrets);
    expect(out).toContain('rtsp://cam:***@127.0.0.1:8554/cam');
    expect(out).not.toContain('w0rd');
  });

  it("masks a password with a space, a quote and a tab, and a user like o'brien, as typed", () => {
    const url = `rtsp://o'brien:Se cr"e%09t@127.0.0.1:5554/s`;
    expect(redactUrl(url)).toBe(`rtsp://o'brien:***@127.0.0.1:5554/s`);
    // As typed, as new URL serialises it, and decoded: ffmpeg may print any of them.
    expect(secretsOf(url)).toEqual(expect.arrayContaining(['Se cr"e%09t', 'Se%20cr%22e%09t', 'Se cr"e\tt']));
    const text = `[concat] Impossible to open '${url}'; auth Se cr"e\tt; rtsp o'brien:Se cr"e%09t@127.0.0.1`;
    const out = redactText(text, secretsOf(url));
    expect(out).not.toMatch(/Se cr|Se%20/);
    expect(out).toContain(`'rtsp://o'brien:***@127.0.0.1:5554/s'`);
  });

  it('a masked password sent back is kept for the same host and refused for another', () => {
    const stored = { url: 'mqtt://u:urlpw@broker:1883', username: 'mq', password: 'fieldpw', prefix: 'multicam', homeAssistant: true, discoveryPrefix: 'homeassistant' };
    const shown = { ...stored, url: 'mqtt://u:***@broker:1883', password: MASK };
    expect(keepStoredMqttSecrets(stored, shown)).toEqual(stored);
    expect(keepStoredMqttSecrets(stored, { ...shown, password: 'typed' })).toEqual({ ...stored, password: 'typed' });
    expect(() => keepStoredMqttSecrets(stored, { ...shown, url: 'mqtt://evil:1883' })).toThrow(/type the password again/);
    expect(() => keepStoredMqttSecrets(stored, { ...shown, url: 'mqtt://u:***@evil:1883', password: 'typed' })).toThrow(/type the password again/);
    expect(keepStoredUrlSecret('rtsp://a:pw@h/x', 'rtsp://a:***@h/y')).toBe('rtsp://a:pw@h/y');
  });
});

describe('RawFrameReader', () => {
  it('hands on whole frames only, whatever the chunking', async () => {
    const got: Buffer[] = [];
    const reader = new RawFrameReader(10, (f) => got.push(f.data));
    const bytes = Buffer.from(Array.from({ length: 35 }, (_, i) => i));
    // 3.5 frames in odd-sized chunks, each handed on before the next arrives.
    for (const [a, b] of [[0, 3], [3, 14], [14, 20], [20, 29], [29, 35]]) {
      reader.push(bytes.subarray(a, b));
      await new Promise((r) => setImmediate(r));
    }
    expect(got.map((b) => [...b])).toEqual([0, 1, 2].map((f) => Array.from({ length: 10 }, (_, i) => f * 10 + i)));
    expect(reader.frames).toBe(3);
    expect(reader.skipped).toBe(0);
  });

  it('keeps only the newest of the frames that complete while the consumer is busy', async () => {
    const got: number[] = [];
    const reader = new RawFrameReader(4, (f) => got.push(f.seq));
    reader.push(Buffer.alloc(4 * 5 + 2)); // five frames and a bit in one read
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([4]);
    expect(reader.skipped).toBe(4);
    reader.push(Buffer.alloc(2));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([4, 5]);
  });
});

describe('RawFrameReader, pulled', () => {
  it('keeps every frame in order and hands one on each time the consumer asks', async () => {
    const got: number[] = [];
    const reader = new RawFrameReader(4, (f) => got.push(f.seq), true);
    let drained = 0;
    reader.onDrained = () => drained++;
    reader.push(Buffer.alloc(4 * 3 + 1)); // three frames and a bit in one read
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([0]);
    expect(reader.backlog).toBe(2);
    reader.want();
    await new Promise((r) => setImmediate(r));
    reader.want();
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([0, 1, 2]);
    expect(reader.backlog).toBe(0);
    expect(drained).toBe(3);
    reader.want(); // asked before the frame is there: handed on when it completes
    reader.push(Buffer.alloc(3));
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([0, 1, 2, 3]);
    expect(reader.skipped).toBe(0);
  });
});

describe('JpegSplitter', () => {
  it('cuts the fixture clip into the same frames at any chunk size', () => {
    const clip = readFileSync(FACE_MJPEG);
    const expected = splitMjpeg(clip);
    for (const size of [1000, 4096, 65536, 7]) {
      const frames: Buffer[] = [];
      const splitter = new JpegSplitter((jpeg, index) => {
        expect(index).toBe(frames.length);
        frames.push(jpeg);
      });
      for (let at = 0; at < clip.length; at += size) splitter.push(clip.subarray(at, at + size));
      expect(frames.length).toBe(expected.length);
      expect(frames.every((f, i) => f.equals(expected[i]))).toBe(true);
    }
  });
});

describe('PpmSplitter', () => {
  const ppm = (w: number, h: number, value: number) => Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`), Buffer.alloc(w * h * 3, value)]);

  it('cuts whole PPM frames, whatever the chunks, numbered in order', () => {
    const got: Array<{ index: number; picture: PpmPicture }> = [];
    const splitter = new PpmSplitter(1000, (picture, index) => got.push({ index, picture }));
    const stream = Buffer.concat([ppm(4, 3, 7), ppm(2, 5, 9)]);
    for (let at = 0; at < stream.length; at += 5) splitter.push(stream.subarray(at, at + 5));
    expect(got.map((g) => [g.index, g.picture.width, g.picture.height])).toEqual([[0, 4, 3], [1, 2, 5]]);
    const first = got[0].picture;
    expect(first.bytes.subarray(first.pixelsAt).equals(Buffer.alloc(4 * 3 * 3, 7))).toBe(true);
  });

  it('drops a frame larger than its limit and bytes that are not PPM, then reads on', () => {
    const got: number[] = [];
    const splitter = new PpmSplitter(100, (picture) => got.push(picture.width));
    splitter.push(ppm(10, 10, 1)); // 300 bytes of pixels: over the limit
    splitter.push(Buffer.alloc(40, 0x41)); // not a PPM header
    splitter.push(ppm(3, 3, 2));
    expect(got).toEqual([3]);
  });
});

describe('ffmpeg command line', () => {
  it('keeps a stream URL off the command line and pairs preview frames with model frames', () => {
    const url = 'rtsp://cam:secret@127.0.0.1:8554/cam';
    const plan = planFfmpeg({ source: { kind: 'stream', url }, width: 128, height: 128, maxFps: 15, preview: { maxWidth: 960, fps: 5 } });
    expect(plan.args.join(' ')).not.toContain('secret');
    expect(plan.inputList).toContain(url);
    expect(plan.previewEvery).toBe(3);
    const graph = plan.args[plan.args.indexOf('-filter_complex') + 1];
    expect(graph).toContain('fps=15');
    expect(graph).toContain("select='not(mod(n,3))'");
    expect(graph).toContain('min(960,iw)');
    expect(plan.frameBytes).toBe(128 * 128 * 3);
  });

  it('spaces previews for an assumed 30 fps without maxFps, and for a still picture at its own rate', () => {
    const stream = (fps: number) => planFfmpeg({ source: { kind: 'stream', url: 'rtsp://127.0.0.1/cam' }, width: 128, height: 128, preview: { maxWidth: 960, fps } });
    expect(stream(10).previewEvery).toBe(3);
    expect(stream(5).previewEvery).toBe(6);
    expect(stream(30).previewEvery).toBe(1);
    const graph = stream(10).args[stream(10).args.indexOf('-filter_complex') + 1];
    expect(graph).toContain("select='not(mod(n,3))'");
    const still = planFfmpeg({ source: { kind: 'file', path: 'door.jpg' }, width: 128, height: 128, preview: { maxWidth: 960, fps: 5 } });
    expect(still.still).toBe(true);
    expect(still.previewEvery).toBe(1);
  });

  it('plays files at their own rate, looped, and never reads a name as a protocol', () => {
    const plan = planFfmpeg({ source: { kind: 'file', path: 'http:clip.mp4', loop: true }, width: 192, height: 192, preview: null });
    expect(plan.args).toEqual(expect.arrayContaining(['-re', '-stream_loop', '-1']));
    expect(plan.args[plan.args.indexOf('-i') + 1]).toBe(`file:${path.resolve('http:clip.mp4')}`);
    expect(plan.inputList).toBeNull();
  });
});

describe('ffmpeg command line, pictures', () => {
  it('writes each model frame\'s picture as PPM on fd 8, after the other outputs', () => {
    const plan = planFfmpeg({ source: { kind: 'file', path: 'clip.mp4' }, width: 128, height: 128, preview: { maxWidth: 960, fps: 5 }, picture: { maxSide: 960 }, live: true });
    const graph = plan.args[plan.args.indexOf('-filter_complex') + 1];
    expect(graph).toContain('split=3');
    expect(graph).toContain("scale=w='min(960,iw)':h='min(960,ih)':force_original_aspect_ratio=decrease,format=rgb24[picture]");
    expect(plan.args.slice(-8)).toEqual(['-map', '[picture]', '-an', '-f', 'image2pipe', '-c:v', 'ppm', 'pipe:8']);
    expect(plan.pictureMaxBytes).toBeGreaterThanOrEqual(960 * 960 * 3);
    expect(planFfmpeg({ source: { kind: 'file', path: 'clip.mp4' }, width: 128, height: 128, preview: null }).pictureMaxBytes).toBe(0);
  });
});

describe('ffmpeg command line, recording', () => {
  const record = { dir: '/data/recordings/door', segmentSeconds: 10, runTag: 'r1', audio: true };

  it('copies the decoded input into 10 s fragmented MP4 segments named by UTC time, the list on fd 5', () => {
    const plan = planFfmpeg({ source: { kind: 'stream', url: 'rtsp://127.0.0.1/cam' }, width: 128, height: 128, preview: null, record });
    const args = plan.args;
    expect(plan.recordInput).toBe(0);
    expect(plan.recordInputList).toBeNull();
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    expect(args).toEqual(expect.arrayContaining(['-map', '0:v:0', '-map', '0:a:0?', '-c:a', 'copy', '-c:v', 'copy']));
    expect(args[args.indexOf('segment') - 1]).toBe('-f');
    expect(at('-segment_time')).toBe('10');
    expect(at('-segment_format_options')).toBe('movflags=+frag_keyframe+empty_moov+default_base_moof');
    expect(at('-segment_list')).toBe('pipe:5');
    expect(at('-segment_list_type')).toBe('csv');
    expect(args.at(-1)).toBe('/data/recordings/door/%Y-%m-%d/%H/%Y%m%d-%H%M%S-r1.mp4');
    // The model branch still decodes input 0 only: nothing of the recording goes through the graph.
    expect(args[args.indexOf('-filter_complex') + 1]).not.toContain('1:v');
  });

  it('records a recordUrl as a second input, copied only, its URL read from fd 7 and never on the command line', () => {
    const url = 'rtsp://cam:m41n@127.0.0.1/main';
    const plan = planFfmpeg({ source: { kind: 'stream', url: 'rtsp://127.0.0.1/sub' }, width: 128, height: 128, preview: null, record: { ...record, url, audio: false } });
    expect(plan.args.join(' ')).not.toContain('m41n');
    expect(plan.recordInputList).toContain(url);
    expect(plan.recordInput).toBe(1);
    expect(plan.args.filter((a) => a === '-i')).toHaveLength(2);
    expect(plan.args).toContain('pipe:7');
    expect(plan.args).toEqual(expect.arrayContaining(['-map', '1:v:0', '-an']));
    expect(plan.args).not.toContain('1:a:0?');
    expect(plan.args[plan.args.indexOf('-filter_complex') + 1]).toMatch(/^\[0:v\]/);
  });

  it('writes a % in the folder as %% for strftime; a still picture records nothing; a bad run tag is refused', () => {
    const plan = planFfmpeg({ source: { kind: 'file', path: 'clip.mp4' }, width: 128, height: 128, preview: null, record: { ...record, dir: '/data/100%/door' } });
    expect(plan.args.at(-1)).toBe('/data/100%%/door/%Y-%m-%d/%H/%Y%m%d-%H%M%S-r1.mp4');
    const still = planFfmpeg({ source: { kind: 'file', path: 'door.jpg' }, width: 128, height: 128, preview: null, record });
    expect(still.recordInput).toBeNull();
    expect(still.args).not.toContain('segment');
    expect(() => planFfmpeg({ source: { kind: 'file', path: 'clip.mp4' }, width: 128, height: 128, preview: null, record: { ...record, runTag: '../x' } })).toThrow(/run tag/);
  });
});

describe('ffmpeg stderr', () => {
  it('notes each input’s audio codec', () => {
    const log = new FfmpegLog((l) => l);
    log.push("Input #0, rtsp, from 'pipe:4':\n  Stream #0:0: Video: h264, yuv420p, 320x240, 15 fps\n  Stream #0:1: Audio: pcm_mulaw, 8000 Hz, mono, s16, 64 kb/s\n");
    log.push("Input #1, rtsp, from 'pipe:7':\n  Stream #1:0: Video: h264, yuv420p, 1280x720\n  Stream #1:1: Audio: aac (LC), 44100 Hz, stereo, fltp\nOutput #0, rawvideo, to 'pipe:1':\n  Stream #0:0: Audio: mp3\n");
    expect([...log.audioCodecs]).toEqual([[0, 'pcm_mulaw'], [1, 'aac']]);
    expect([log.sourceWidth, log.sourceHeight]).toEqual([320, 240]);
  });

  it('finds the source size and the reason, redacted', () => {
    const log = new FfmpegLog((l) => redactText(l), 'rtsp://cam:***@127.0.0.1:9/cam');
    log.push('Input #0, rtsp, from \'pipe:4\':\n  Stream #0:0: Video: h264 (Constrained Baseline), yuv420p(progressive), 640x480 [SAR 1:1 DAR 4:3], 30 fps\n');
    log.push('[rtsp @ 0x55fa698ae380] method DESCRIBE failed: 401 Unauthorized\n');
    log.push("[concat @ 0x55fa6989c9c0] Impossible to open 'rtsp://cam:wrong@127.0.0.1:9/cam'\npipe:4: Server returned 401 Unauthorized (authorization failed)\n");
    expect([log.sourceWidth, log.sourceHeight]).toEqual([640, 480]);
    const failure = log.failure();
    expect(failure?.code).toBe('unauthorized');
    expect(failure?.message).toBe('rtsp://cam:***@127.0.0.1:9/cam: Server returned 401 Unauthorized (authorization failed)');
    expect(log.tail(5).join('\n')).not.toContain('wrong');
  });
});
