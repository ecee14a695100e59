/**
 * Serve mode's access rules. One random token per run; every HTTP request and WebSocket upgrade
 * must carry it (Authorization: Bearer, ?token=, or the cookie the server sets when it hands out
 * the page, so the page's own scripts and styles load). Tokens are compared in constant time.
 * WebSocket upgrades must also come from the server's own origin (or from a client with no
 * Origin, such as a script): a page elsewhere cannot drive the cameras even if it learns the token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'multicam_token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant-time comparison; hashing first makes both sides the same length. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export type TokenSource = 'header' | 'query' | 'cookie';

/** Which of the accepted places carries the right token, or null. */
export function authorize(req: IncomingMessage, url: URL, token: string): TokenSource | null {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match && tokenMatches(token, match[1])) return 'header';
  }
  if (tokenMatches(token, url.searchParams.get('token'))) return 'query';
  if (tokenMatches(token, cookieValue(req.headers.cookie, TOKEN_COOKIE))) return 'cookie';
  return null;
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `::1` -> `[::1]`, for URLs and host:port strings. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The Origin header of a WebSocket upgrade must be absent or name this server: the host it listens
 * on (or a loopback name for it) and its port. A server listening on every interface cannot know
 * all its names, so there the request's own Host header is accepted as well.
 */
export function originAllowed(origin: string | undefined, listenHost: string, port: number, requestHost: string | undefined): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  const allowed = new Set<string>([`${urlHost(listenHost)}:${port}`]);
  if (isLoopbackHost(listenHost) || WILDCARD_HOSTS.has(listenHost)) for (const name of LOOPBACK_NAMES) allowed.add(`${name}:${port}`);
  if (WILDCARD_HOSTS.has(listenHost) && requestHost) allowed.add(requestHost.toLowerCase());
  const originPort = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  return allowed.has(`${parsed.hostname.toLowerCase()}:${originPort}`);
}
