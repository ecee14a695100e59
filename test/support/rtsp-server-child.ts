/**
 * A real RTSP server on 127.0.0.1 (npm rtsp-streaming-server) with ffmpeg publishing a clip to it
 * in a loop, in a process of its own so a test can take the whole server away with one SIGKILL
 * and bring it back on the same ports. Started by RtspTestServer (rtsp-server.ts) with
 * child_process.fork; exits when that IPC channel closes. The publisher ffmpeg is bound to this
 * process (setpriv --pdeathsig where available), so it never outlives it.
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
  const publish = () => {
    const { child } = spawnBound(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'rtsp', `rtsp://127.0.0.1:${publishPort}/${mount}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(`[rtsp publisher] ${d}`));
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
