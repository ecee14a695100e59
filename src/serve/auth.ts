/**
 * Serve mode's access rules, as pure functions the server's hooks call once per request:
 *
 * - Host: the request must name this server, by the address it is bound to, a loopback name when
 *   it is bound to loopback (or every interface), one of the machine's own addresses when it is
 *   bound to every interface, or a name the user allowed with --allow-host. Anything else is a
 *   DNS-rebinding page (or a confused proxy) and gets 421.
 * - Token: every request must carry it (Authorization: Bearer, ?token=, or on a WebSocket upgrade
 *   the subprotocol `multicam-token.TOKEN`), except the built page and its assets, which hold no
 *   secret, and a media file fetched by its own signed link (mediaSignature). No cookie: a cookie
 *   for 127.0.0.1 is sent to every port of it, so another local service would receive the token.
 *   Tokens are compared in constant time.
 * - Origin: when a request carries one, it must be this server as the request's (checked) Host
 *   names it; a page elsewhere cannot drive the cameras even if it learns the token.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { WS_TOKEN_PROTOCOL_PREFIX } from '../shared/contracts/ws';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Tokens this server writes and accepts: base64url, 16 to 256 characters. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

/** Constant-time comparison; hashing first makes both sides the same length. */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export type TokenSource = 'header' | 'query' | 'protocol';

export interface TokenCarriers {
  authorization?: string;
  query: string | null;
  /** The Sec-WebSocket-Protocol header of an upgrade. */
  protocols?: string;
}

/** The token a page offers as a WebSocket subprotocol, if any. */
export function protocolToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const protocol = part.trim();
    if (protocol.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return protocol.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
  }
  return null;
}

/** Which of the accepted places carries the right token, or null. */
export function authorize(carriers: TokenCarriers, token: string): TokenSource | null {
  if (carriers.authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(carriers.authorization);
    if (match && tokenMatches(token, match[1])) return 'header';
  }
  if (tokenMatches(token, carriers.query)) return 'query';
  if (tokenMatches(token, protocolToken(carriers.protocols))) return 'protocol';
  return null;
}

/**
 * A media file's link signature: HMAC-SHA256 of its name under the token. An `<img>` or `<video>`
 * cannot send a header, so the page asks for the link (with the token) and loads the file by it;
 * the link opens that one file only, and no link works after the token changes.
 */
export function mediaSignature(token: string, name: string): string {
  return createHmac('sha256', token).update(`media/${name}`).digest('base64url');
}

export function mediaSignatureMatches(token: string, name: string, given: string | null | undefined): boolean {
  return tokenMatches(mediaSignature(token, name), given);
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1'];

export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(host);
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `::1` -> `[::1]`, for URLs and host:port strings. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Lower case, IPv6 brackets off, one trailing dot off: the form host names are compared in. */
function canonicalName(name: string): string {
  let n = name.trim().toLowerCase();
  if (n.startsWith('[') && n.endsWith(']')) n = n.slice(1, -1);
  if (n.endsWith('.')) n = n.slice(0, -1);
  return n;
}

/**
 * A Host header (or an Origin's host) split into name and port; null when it is not a plain
 * `name[:port]` (user info, paths, spaces, several values...).
 */
export function parseHostHeader(value: string | undefined): { name: string; port: number | null } | null {
  if (!value || value.length > 255 || !/^[A-Za-z0-9.\-:[\]]+$/.test(value)) return null;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(value);
  if (!m) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && port > 65535) return null;
  return { name: canonicalName(m[1]), port };
}

/** The host names a request may use to reach a server bound to `listenHost`. */
export function allowedHostNames(listenHost: string, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>([canonicalName(listenHost), ...extra.map(canonicalName)]);
  if (isLoopbackHost(listenHost) || isWildcardHost(listenHost)) for (const n of LOOPBACK_NAMES) names.add(n);
  if (isWildcardHost(listenHost)) {
    // Bound everywhere: the machine's own addresses reach it too. Names (a hostname, a DNS name)
    // are never guessed: a DNS-rebinding page uses exactly such a name. --allow-host adds them.
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(canonicalName(a.address.split('%')[0]));
  }
  return names;
}

/**
 * The Host header names this server by an allowed name. Its port is not compared: DNS rebinding
 * works through the name, and a reverse proxy in front may use a port of its own.
 */
export function hostAllowed(hostHeader: string | undefined, allowed: ReadonlySet<string>): boolean {
  const parsed = parseHostHeader(hostHeader);
  return parsed !== null && allowed.has(parsed.name);
}

/**
 * The Origin header, when present, must be the origin the request's Host header names (which the
 * Host check has already accepted): the page that sends it was served by this server.
 */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  const host = parseHostHeader(hostHeader);
  if (!host) return false;
  const originPort = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  const hostPort = host.port ?? (parsed.protocol === 'https:' ? 443 : 80);
  return canonicalName(parsed.hostname) === host.name && originPort === hostPort;
}
