/**
 * A real RTSP server on 127.0.0.1 (npm rtsp-streaming-server) with ffmpeg publishing a clip to it
 * in a loop, in a process of its own so a test can take the whole server away with one SIGKILL
 * and bring it back on the same ports. Started by RtspTestServer (rtsp-server.ts) with
 * child_process.fork; exits when that IPC channel closes. The publisher ffmpeg is bound to this
 * process (setpriv --pdeathsig where available), so it never outlives it.
 *
 * It reports the frames its publisher has sent ({ type: 'published', frames }) as they go.
 *
 * argv: publishPort clientPort rtpPortStart ffmpegPath clipPath mount [user pass]
 */
import * as rtspModule from 'rtsp-streaming-server';
import { spawnBound } from '../../src/workers/sources/bound-child';

const [publishPort, clientPort, rtpPortStart, ffmpegPath, clip, mount, user, pass] = process.argv.slice(2);

// A CommonJS module with an ES default export: under Node's ESM loader the class may sit one level down.
type RtspServerClass = typeof rtspModule.default;
const RtspServer: RtspServerClass =
  (rtspModule.default as unknown as { default?: RtspServerClass }).default ?? rtspModule.default;

async function main(): Promise<void> {
  const server = new RtspServer({
    serverPort: Number(publishPort),
    clientPort: Number(clientPort),
    rtpPortStart: Number(rtpPortStart),
    rtpPortCount: 40,
    clientServerHooks: user ? { authentication: async (u: string, p: string) => u === user && p === pass } : undefined,
  });
  await server.start();
  // Frames published by earlier publisher runs: the count the parent sees only grows.
  let before = 0;
  const publish = () => {
    const { child } = spawnBound(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-nostdin', '-progress', 'pipe:1', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'rtsp', `rtsp://127.0.0.1:${publishPort}/${mount}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[rtsp publisher] ${d}`));
    // The source's clock: ffmpeg's progress report says how many frames it has sent so far.
    let frames = 0;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      for (const match of text.matchAll(/^frame=(\d+)$/gm)) frames = Number(match[1]);
      process.send?.({ type: 'published', frames: before + frames });
    });
    child.on('exit', () => (before += frames));
    child.on('exit', () => setTimeout(publish, 200));
  };
  publish();
  process.send?.({ type: 'ready' });
}

process.on('disconnect', () => process.exit(0));
main().catch((err) => {
  process.stderr.write(`rtsp test server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
