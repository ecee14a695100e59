/**
 * What the recording tests stream: ffmpeg's test picture as H.264 at 15 fps with a keyframe every
 * 2 s, optionally with AAC audio (a 440 Hz tone), written to `file` and published by the test's
 * RTSP server.
 */
import { execFileSync } from 'node:child_process';
import { RtspTestServer } from '../support/rtsp-server';

export async function testStream(ffmpegPath: string, file: string, size: string, options: { audio?: boolean; mount?: string; seconds?: number } = {}): Promise<RtspTestServer> {
  const audio = options.audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'] : [];
  execFileSync(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=15`, ...audio, '-t', String(options.seconds ?? 10),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-bf', '0', '-pix_fmt', 'yuv420p', ...(options.audio ? ['-c:a', 'aac', '-shortest'] : []), file]);
  const server = new RtspTestServer({ ffmpegPath, clip: file, ...(options.mount ? { mount: options.mount } : {}) });
  await server.start();
  return server;
}
