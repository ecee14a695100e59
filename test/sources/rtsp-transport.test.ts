/**
 * The RTSP transport reaches ffmpeg's RTSP demuxer: a real RTSP server on 127.0.0.1 that serves
 * RTP over UDP only (it answers a TCP SETUP with 461 Unsupported Transport) gets a camera set to
 * UDP running and a camera set to TCP refused with that answer. The plan puts -rtsp_transport on
 * the command line only for a URL without a password; with one, the option goes into the input
 * list beside the URL, and the engine refuses that on an ffmpeg whose list takes no options.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { transportProblem } from '../../src/engine/file-check';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { FfmpegSource } from '../../src/workers/sources/ffmpeg-source';
import { planFfmpeg } from '../../src/workers/sources/ffmpeg-args';
import { makeClipFolder, type ClipFolder } from '../support/clips';
import { until } from '../support/process';
import { RtspTestServer } from '../support/rtsp-server';

const ffmpeg = resolveFfmpeg();
let clips: ClipFolder;
let server: RtspTestServer;
const sources: FfmpegSource[] = [];

beforeAll(async () => {
  clips = makeClipFolder(ffmpeg.path);
  server = new RtspTestServer({ ffmpegPath: ffmpeg.path, clip: clips.faceMp4 });
  await server.start();
});
afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await server?.stop();
  clips?.remove();
});

function open(transport: 'tcp' | 'udp') {
  const seen = { frames: 0, reasons: [] as string[], states: [] as string[] };
  const source = new FfmpegSource({
    ffmpegPath: ffmpeg.path,
    width: 128,
    height: 128,
    source: { kind: 'stream', url: server.url(null), transport },
    preview: null,
    onFrame: () => void seen.frames++,
    onPreview: () => undefined,
    onState: (state, reason) => {
      seen.states.push(state);
      if (reason) seen.reasons.push(reason);
    },
    onLog: (line) => seen.reasons.push(line),
  });
  sources.push(source);
  source.start();
  return seen;
}

describe('RTSP transport', () => {
  it('UDP runs against a UDP-only server; TCP is refused by it with 461', async () => {
    const udp = open('udp');
    await until(() => udp.frames >= 3, 60_000, 'frames over UDP');
    const tcp = open('tcp');
    await until(() => tcp.reasons.some((r) => /461/.test(r)), 60_000, 'the server refusing TCP');
    expect(tcp.frames).toBe(0);
    expect(tcp.reasons.join('\n')).toMatch(/461 Unsupported Transport/);
  }, 150_000);

  it('puts the option on the command line without a password, in the input list with one', () => {
    const plan = (url: string) => planFfmpeg({ source: { kind: 'stream', url, transport: 'tcp' }, width: 128, height: 128, preview: null });
    const open = plan('rtsp://127.0.0.1:8554/cam');
    expect(open.args.slice(open.args.indexOf('-rtsp_transport'), open.args.indexOf('-rtsp_transport') + 2)).toEqual(['-rtsp_transport', 'tcp']);
    expect(open.args).toContain('rtsp://127.0.0.1:8554/cam');
    const secret = plan('rtsp://cam:s3cret@127.0.0.1:8554/cam');
    expect(secret.args.join(' ')).not.toContain('s3cret');
    expect(secret.args).not.toContain('-rtsp_transport');
    expect(secret.inputList).toBe("ffconcat version 1.0\nfile 'rtsp://cam:s3cret@127.0.0.1:8554/cam'\noption rtsp_transport tcp\n");
    // HTTP streams have no RTSP transport: the setting is not passed on.
    expect(plan('http://127.0.0.1:8080/video.mjpg').args).not.toContain('-rtsp_transport');
  });

  it('is refused with a password on an ffmpeg whose input list takes no options', async () => {
    const withPassword = { kind: 'stream' as const, url: 'rtsp://cam:s3cret@127.0.0.1:8554/cam', transport: 'tcp' as const };
    const problem = await transportProblem(withPassword, { path: ffmpeg.path, version: ffmpeg.version });
    // Which answer depends on this machine's ffmpeg: the npm package's 4.1 has no `option` line, FFmpeg 5 and newer have.
    const major = Number(/^(\d+)\./.exec(ffmpeg.version)?.[1] ?? 0);
    if (major >= 5) expect(problem).toBeNull();
    else expect(problem).toMatch(/cannot be told the RTSP transport without the password on its command line: choose Automatic, or use FFmpeg 5 or newer/);
    expect(await transportProblem({ ...withPassword, url: 'rtsp://127.0.0.1:8554/cam' }, { path: ffmpeg.path, version: ffmpeg.version })).toBeNull();
    expect(await transportProblem({ kind: 'stream', url: withPassword.url }, { path: ffmpeg.path, version: ffmpeg.version })).toBeNull();
  });
});
