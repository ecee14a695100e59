/**
 * A small MJPEG-over-HTTP camera on 127.0.0.1, as many IP cameras serve one: GET /video answers
 * multipart/x-mixed-replace with one JPEG per part, looping a clip at a fixed rate. Optional
 * Basic authentication (401 otherwise); any other path is 404.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { JpegSplitter } from '../../src/workers/sources/frame-readers';

export interface MjpegTestServerOptions {
  clip: string;
  fps?: number;
  credentials?: { user: string; pass: string };
}

const BOUNDARY = 'multicamframe';

export class MjpegTestServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly frames: Buffer[] = [];
  private port = 0;

  constructor(private readonly options: MjpegTestServerOptions) {
    new JpegSplitter((jpeg) => this.frames.push(jpeg)).push(readFileSync(options.clip));
    if (this.frames.length === 0) throw new Error(`${options.clip} holds no JPEG frames`);
  }

  url(credentials: { user: string; pass: string } | null = this.options.credentials ?? null, pathname = '/video'): string {
    const auth = credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@` : '';
    return `http://${auth}127.0.0.1:${this.port}${pathname}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private authorised(req: IncomingMessage): boolean {
    const { credentials } = this.options;
    if (!credentials) return true;
    const header = req.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${credentials.user}:${credentials.pass}`).toString('base64')}`;
    return header === expected;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.url !== '/video') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (!this.authorised(req)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="camera"', 'content-type': 'text/plain' }).end('unauthorized');
      return;
    }
    res.writeHead(200, { 'content-type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`, 'cache-control': 'no-cache' });
    let index = 0;
    const send = () => {
      const frame = this.frames[index++ % this.frames.length];
      res.write(`--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`);
      res.write(frame);
      res.write('\r\n');
    };
    send();
    const timer = setInterval(send, 1000 / (this.options.fps ?? 10));
    res.on('close', () => clearInterval(timer));
  }
}
