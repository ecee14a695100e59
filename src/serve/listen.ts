/**
 * Listening when the port may be taken. The default port moves on to the next free one (and says
 * so); a port the user named is not second-guessed: the error says whether another serve-mode
 * instance holds it and how to pick another.
 */
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ServeArgs } from './args';
import { urlHost } from './auth';
import { ServeServer, type ServeServerOptions } from './server';

/** Ports tried after a taken default port. */
const FALLBACK_PORTS = 10;

function inUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE';
}

export async function listenWithFallback(args: ServeArgs, options: Omit<ServeServerOptions, 'host' | 'port'>): Promise<ServeServer> {
  const tries = args.portGiven || args.port === 0 ? 1 : FALLBACK_PORTS + 1;
  let firstError: unknown;
  for (let i = 0; i < tries && args.port + i <= 65535; i++) {
    const port = args.port + i;
    const server = new ServeServer({ ...options, host: args.host, port });
    try {
      await server.listen();
      if (i > 0) options.log?.warn(`serve: port ${args.port} is taken (${await whoHolds(args.host, args.port)}); listening on ${port} instead`);
      return server;
    } catch (err) {
      await server.close().catch(() => undefined);
      firstError ??= err;
      if (!inUse(err)) throw err;
    }
  }
  throw firstError;
}

/** The message for a failed listen: who holds the port and what to do. */
export async function describePortInUse(err: unknown, args: ServeArgs): Promise<string> {
  const message = err instanceof Error ? err.message : String(err);
  if (!inUse(err)) return `cannot listen on ${args.host}:${args.port}: ${message}`;
  const holder = await whoHolds(args.host, args.port);
  const tried = args.portGiven || args.port === 0 ? '' : ` and the ${FALLBACK_PORTS} after it`;
  return (
    `port ${args.port}${tried} on ${args.host} ${tried ? 'are' : 'is'} taken: ${holder}. ` +
    `Stop it, or pick another port with --port N (--port 0 picks a free one), e.g. npm run serve -- --port ${args.port + 100}`
  );
}

/**
 * Asks whatever listens on the port whether it is serve mode (its 401 says so), over HTTP and then
 * over HTTPS (serve mode with --tls-cert; its certificate is not checked: the probe sends nothing
 * secret and only reads the answer's words).
 */
async function whoHolds(host: string, port: number): Promise<string> {
  const target = urlHost(host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host).replace(/^\[|\]$/g, '');
  if ((await answersAsServe(target, port, false)) || (await answersAsServe(target, port, true))) return 'another instance of serve mode is running there';
  return 'another program listens there';
}

function answersAsServe(host: string, port: number, tls: boolean): Promise<boolean> {
  const send = tls ? httpsRequest : request;
  return new Promise((resolve) => {
    const req = send({ host, port, path: '/api/stats', timeout: 1000, ...(tls ? { rejectUnauthorized: false } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c.slice(0, 500)));
      res.on('end', () => resolve(res.statusCode === 401 && body.includes('serve mode printed')));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
