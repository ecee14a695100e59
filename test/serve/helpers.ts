/** Starts serve mode as a real child process and talks to it over real sockets. */
import type { LogRecord } from '../support/log-capture';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import type { ApiEvent, ApiResponse } from '../../src/shared/contracts/engine-api';
import type { WsServerMessage } from '../../src/shared/contracts/ws';
import { launchServe, REPO, type LaunchServeOptions } from '../support/serve-process';
import { tempDir } from '../support/tmp';

export const ROOT = REPO;

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  base: string;
  wsBase: string;
  token: string;
  port: number;
  configFile: string;
  stderr: () => string;
  /** stdout and stderr so far, as they came. */
  output: () => string;
  /** The log records on stderr so far (JSON lines). */
  records: () => LogRecord[];
  /** The serve process's own pid (it says it on stderr; it is the child itself). */
  servePid(): number | null;
  /** Resolves when the spawned process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM and wait; resolves with the exit code. */
  terminate(): Promise<number | null>;
  /** Last resort for a failed test: kill the whole process group. */
  kill(): void;
}

export type StartServeOptions = Pick<LaunchServeOptions, 'startTimeoutMs'>;

/**
 * Starts serve mode with `config` in a new temporary folder (removed when the test file ends), or
 * in `dir` when given. Its own process group, so kill() takes its workers and ffmpeg too.
 */
export async function startServe(config: unknown, extraArgs: string[] = [], dir?: string, options: StartServeOptions = {}): Promise<ServeProcess> {
  dir ??= tempDir('multicam-serve-');
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, typeof config === 'string' ? config : JSON.stringify(config));
  const { child, url, stderr, log, records, exited, killGroup } = await launchServe({ configFile, args: extraArgs, ...options });
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token')!;
  const servePid = (): number | null => {
    const pid = Number(/serve: pid (\d+)/.exec(stderr())?.[1]);
    return pid > 0 ? pid : null;
  };
  const kill = () => killGroup('SIGKILL');
  return {
    child,
    url,
    base: `${parsed.protocol}//${parsed.host}`,
    wsBase: `${parsed.protocol === 'https:' ? 'wss' : 'ws'}://${parsed.host}`,
    token,
    port: Number(parsed.port),
    configFile,
    stderr,
    output: log,
    records,
    servePid,
    exited,
    terminate: async () => {
      // npx does not pass SIGTERM on to its child (a terminal signals the whole group): signal the
      // serve process itself, which says its pid on stderr.
      const pid = servePid();
      if (pid !== null) process.kill(pid, 'SIGTERM');
      else child.kill('SIGTERM');
      return exited;
    },
    kill,
  };
}

/** A WebSocket client that keeps every message and can wait for one. */
export class TestClient {
  readonly messages: WsServerMessage[] = [];
  private nextId = 1;
  private waiters: Array<{ test: (m: WsServerMessage) => boolean; resolve: (m: WsServerMessage) => void }> = [];
  closeCode: number | null = null;
  readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as WsServerMessage;
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  /** `options`: more for the socket (a TLS `ca`, subprotocols). */
  static open(url: string, headers: Record<string, string> = {}, options: { ca?: string; protocols?: string[] } = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options.protocols ?? [], { headers, ...(options.ca ? { ca: options.ca } : {}) });
      const client = new TestClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })));
      socket.once('error', reject);
    });
  }

  /** Resolves with the first message (already received or to come) that passes the test. */
  waitFor(test: (m: WsServerMessage) => boolean, what = 'a message', timeoutMs = 30_000): Promise<WsServerMessage> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Waits for a message that arrives after this call. */
  waitForNext(test: (m: WsServerMessage) => boolean, what = 'a message', timeoutMs = 30_000): Promise<WsServerMessage> {
    const skip = this.messages.length;
    return this.waitFor((m) => this.messages.indexOf(m) >= skip && test(m), what, timeoutMs);
  }

  async request(request: unknown): Promise<ApiResponse> {
    const id = this.nextId++;
    const reply = this.waitForNext((m) => m.kind === 'response' && m.id === id, `response ${id}`);
    this.socket.send(JSON.stringify({ kind: 'request', id, request }));
    return ((await reply) as Extract<WsServerMessage, { kind: 'response' }>).response;
  }

  events(type: ApiEvent['type']): ApiEvent[] {
    return this.messages.flatMap((m) => (m.kind === 'event' && m.event.type === type ? [m.event] : []));
  }

  close(): Promise<number> {
    this.socket.close();
    return this.closed;
  }
}

export { pidAlive } from '../support/process';

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
  /** Everything the server sent, as text. */
  raw: string;
}

/**
 * Sends `text` as it is over a new TCP connection (fetch and http.request normalise paths and
 * headers) and reads until the server closes, or `timeoutMs` passes.
 */
export function rawRequest(port: number, text: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let raw = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms; got ${JSON.stringify(raw.slice(0, 300))}`));
    }, timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (raw += c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const head = raw.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0);
      resolve({ status, headers: head >= 0 ? raw.slice(0, head) : raw, body: head >= 0 ? raw.slice(head + 4) : '', raw });
    });
    socket.write(text);
  });
}
