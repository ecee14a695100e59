/**
 * RtspTestServer: a real RTSP server on 127.0.0.1 that a test starts, stops (SIGKILL, like a
 * camera losing power) and starts again on the same ports. See rtsp-server-child.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from './ports';

/** freePort lives in ports.ts; some suites take it from here. */
export { freePort };

const here = path.dirname(fileURLToPath(import.meta.url));

export interface RtspTestServerOptions {
  ffmpegPath: string;
  /** An H.264 clip the publisher copies into the stream. */
  clip: string;
  mount?: string;
  credentials?: { user: string; pass: string };
}

export class RtspTestServer {
  private child: ChildProcess | null = null;
  private ports: { publish: number; client: number; rtp: number } | null = null;
  stderr = '';
  /** Frames the publisher has sent into the stream so far (the source's clock), this server run. */
  publishedFrames = 0;

  constructor(private readonly options: RtspTestServerOptions) {}

  /** rtsp://[user:pass@]127.0.0.1:port/mount, for the camera under test. */
  url(credentials: { user: string; pass: string } | null = this.options.credentials ?? null): string {
    if (!this.ports) throw new Error('start the RTSP test server first');
    const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@` : '';
    return `rtsp://${auth}127.0.0.1:${this.ports.client}/${this.options.mount ?? 'cam'}`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    if (!this.ports) {
      // UDP pairs for RTP/RTCP from a random base: rtsp-streaming-server takes them from this range.
      this.ports = { publish: await freePort(), client: await freePort(), rtp: 20_000 + 2 * Math.floor(Math.random() * 15_000) };
    }
    const require = createRequire(import.meta.url);
    const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
    const { user, pass } = this.options.credentials ?? { user: '', pass: '' };
    const args = [this.ports.publish, this.ports.client, this.ports.rtp, this.options.ffmpegPath, this.options.clip, this.options.mount ?? 'cam'].map(String);
    if (user) args.push(user, pass);
    const child = fork(path.join(here, 'rtsp-server-child.ts'), args, { execArgv: ['--import', tsx], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child = child;
    child.on('message', (m: { type?: string; frames?: number }) => {
      if (m.type === 'published' && typeof m.frames === 'number') this.publishedFrames = m.frames;
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`RTSP test server did not start: ${this.stderr}`)), 30_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`RTSP test server exited (${code}): ${this.stderr}`));
      });
    });
  }

  /** Takes the server away at once (SIGKILL); its publisher dies with it. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }
}
