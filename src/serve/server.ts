/**
 * Serve mode's HTTP and WebSocket server: the web renderer, the renderer API over one WebSocket per
 * page (src/shared/contracts/ws.ts), and the counters for scripts (/api/stats, /metrics).
 *
 * Frames arrive as binary messages and go to their camera's worker untouched (EngineHost.submitFrame);
 * the worker validates each and answers under the page's own frame id, to the page that captures
 * the camera.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ApiEvent } from '../shared/contracts/engine-api';
import type { FrameChannelInbound } from '../shared/contracts/frames';
import { MAX_WS_MESSAGE_BYTES, WsClientMessage, type WsServerMessage } from '../shared/contracts/ws';
import type { EngineHost, RendererClient } from '../engine/host';
import { authorize, newToken, originAllowed, tokenCookie, urlHost } from './auth';
import { prometheusText, statsFromSnapshot, type ServerCounters } from './metrics';
import { serveStatic } from './static-files';

export interface ServeServerOptions {
  engine: EngineHost;
  /** The built web renderer (index.html and assets). */
  rendererDir: string;
  host?: string;
  port?: number;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
  log?: (line: string) => void;
}

/** A client that stops reading gets no snapshots until it catches up; results still go out. */
const MAX_BUFFERED_FOR_EVENTS = 4 * 1024 * 1024;

/** A page that answers no ping for this long is gone (its network dropped without a close). */
const HEARTBEAT_MS = 15_000;

/** One page's WebSocket, as the engine sees a renderer. */
class Client implements RendererClient {
  invalidMessages = 0;
  alive = true;
  disconnect: () => void = () => undefined;
  constructor(
    readonly id: number,
    readonly socket: WebSocket,
  ) {}

  send(message: WsServerMessage, optional = false): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (optional && this.socket.bufferedAmount > MAX_BUFFERED_FOR_EVENTS) return;
    this.socket.send(JSON.stringify(message));
  }

  sendEvent(event: ApiEvent, optional: boolean): void {
    this.send({ kind: 'event', event }, optional);
  }

  sendFrameReply(message: FrameChannelInbound): void {
    this.send({ kind: 'frame', message });
  }
}

export class ServeServer {
  readonly token: string;
  /** Malformed WebSocket messages from all clients since start. */
  invalidMessages = 0;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly log: (line: string) => void;
  private readonly engine: EngineHost;
  private nextClientId = 1;
  private listenHost = '127.0.0.1';
  private port = 0;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly options: ServeServerOptions) {
    this.engine = options.engine;
    this.token = options.token ?? newToken();
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.http = createServer((req, res) => this.onRequest(req, res));
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES, perMessageDeflate: false });

    this.heartbeat = setInterval(() => this.checkAlive(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async listen(): Promise<{ port: number; url: string }> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? 0, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.listenHost = host;
    this.port = (this.http.address() as AddressInfo).port;
    return { port: this.port, url: this.url };
  }

  /** The address to open: a wildcard listen address is shown as the loopback one. */
  get url(): string {
    const shown = this.listenHost === '0.0.0.0' || this.listenHost === '::' ? '127.0.0.1' : this.listenHost;
    return `http://${urlHost(shown)}:${this.port}/?token=${this.token}`;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Closes every socket and the listener. The engine is the caller's to stop. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  // ------------------------------------------------------------------ HTTP

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = this.parseUrl(req);
    if (!url) return plain(res, 400, 'bad request');
    const auth = authorize(req, url, this.token);
    if (!auth) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return plain(res, 401, 'unauthorized: open the URL serve mode printed (it carries ?token=), or send Authorization: Bearer <token>');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'method not allowed');
    }
    if (url.pathname === '/api/stats') {
      const body = JSON.stringify(statsFromSnapshot(this.engine.snapshot(), this.counters()));
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(body);
      return;
    }
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(prometheusText(this.engine.snapshot(), this.counters()));
      return;
    }
    if (url.pathname === '/ws') return plain(res, 426, 'this path takes WebSocket upgrades only');
    // The page's own scripts and styles carry no token: the cookie set with the page covers them.
    const extra: Record<string, string> = auth === 'cookie' ? {} : { 'Set-Cookie': tokenCookie(this.token) };
    const result = serveStatic(this.options.rendererDir, url.pathname, res, extra, req.headers.host);
    if (result === 'not-built') plain(res, 503, 'The web renderer is not built: run `npm run build:renderer`, then reload.');
    else if (result === 'not-found') plain(res, 404, 'not found');
  }

  private counters(): ServerCounters {
    return { clients: this.clients.size, invalidMessages: this.invalidMessages };
  }

  private parseUrl(req: IncomingMessage): URL | null {
    try {
      return new URL(req.url ?? '/', 'http://serve.invalid');
    } catch {
      return null;
    }
  }

  // ------------------------------------------------------------------ WebSocket

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    (socket as Socket).on('error', () => undefined);
    const url = this.parseUrl(req);
    if (!url || url.pathname !== '/ws') return refuse(socket, 404, 'not found');
    if (!authorize(req, url, this.token)) return refuse(socket, 401, 'unauthorized');
    if (!originAllowed(req.headers.origin, this.listenHost, this.port, req.headers.host)) {
      this.log(`serve: refused a WebSocket from origin ${req.headers.origin}`);
      return refuse(socket, 403, 'forbidden origin');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    const client = new Client(this.nextClientId++, ws);
    this.clients.add(client);
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    ws.on('pong', () => (client.alive = true));
    ws.on('error', (err) => this.log(`serve: client ${client.id}: ${err.message}`));
    ws.on('close', (code) => {
      if (code === 1009) this.log(`serve: client ${client.id} sent a message over ${MAX_WS_MESSAGE_BYTES} bytes; its socket was closed`);
      this.onClose(client);
    });
    client.disconnect = this.engine.connect(client);
  }

  /** Terminates clients that did not answer the last ping, then pings the rest. */
  private checkAlive(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        this.log(`serve: client ${client.id} stopped answering; dropping it`);
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  private onClose(client: Client): void {
    if (!this.clients.delete(client)) return;
    client.disconnect();
  }

  private onMessage(client: Client, data: RawData, isBinary: boolean): void {
    const bytes = toBytes(data);
    if (isBinary) this.onFrame(client, bytes);
    else void this.onText(client, bytes);
  }

  private async onText(client: Client, bytes: Uint8Array): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    } catch {
      return this.invalid(client, 'text message is not JSON');
    }
    const parsed = WsClientMessage.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const error = `invalid message: ${issue?.message ?? 'not a request'}${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}`;
      this.invalid(client, error);
      const id = (raw as { id?: unknown } | null)?.id;
      // Only an id the protocol allows can be answered (WsServerMessage ids are safe integers).
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) {
        client.send({ kind: 'response', id, response: { ok: false, error: error.slice(0, 2000) } });
      }
      return;
    }
    const response = await this.engine.handle(parsed.data.request);
    client.send({ kind: 'response', id: parsed.data.id, response });
  }

  /** A frame goes to its camera's worker untouched; the worker validates it and answers this page. */
  private onFrame(client: Client, bytes: Uint8Array): void {
    const error = this.engine.submitFrame(client, bytes);
    if (error) this.invalid(client, error);
  }

  private invalid(client: Client, reason: string): void {
    client.invalidMessages++;
    this.invalidMessages++;
    if (client.invalidMessages <= 5 || client.invalidMessages % 1000 === 0) {
      this.log(`serve: client ${client.id}: ${reason} (${client.invalidMessages} invalid so far)`);
    }
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${text}\n`);
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

function refuse(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
