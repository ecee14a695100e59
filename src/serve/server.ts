/**
 * Serve mode's HTTP and WebSocket server, on fastify: the web renderer, the renderer API over one
 * WebSocket per page (session.ts), and the counters for scripts (/api/stats, /metrics); routes.ts
 * has the routes. One onRequest hook checks every request once, upgrades included: the Host names
 * this server (DNS rebinding), the token is there (but for the routes whose `access` says
 * otherwise: the built page, a media file by its signed link), an Origin is this server's own.
 *
 * Connections: headers must arrive within a few seconds (408 otherwise), idle connections close
 * after a few seconds, and at most MAX_CONNECTIONS are open at once.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import type { AddressInfo } from 'node:net';
import { defaultLogger, type Logger } from '../engine/logger';
import { MAX_WS_MESSAGE_BYTES } from '../shared/contracts/ws';
import { WS_PROTOCOL } from '../shared/contracts/ws';
import { forbiddenText, roleAllows, routeNeed, type Role } from './access';
import { registerAccountRoutes } from './account-routes';
import { allowedHostNames, authorize, hostAllowed, isWildcardHost, mediaSignatureMatches, newToken, originAllowed, urlHost, type TokenSource } from './auth';
import { LoginLimiter } from './login-limiter';
import { DEFAULT_SESSION_TTL_MS, LoginSessions, type LoginSession } from './login-sessions';
import type { UsersStore } from './users';
import type { RendererEngine } from './engine-port';
import { CameraRateLimits } from './flow-limits';
import { ServeMetrics, type ServerCounters } from './metrics';
import { registerRoutes } from './routes';
import { registerEventRoutes } from './events-routes';
import { registerRecordingRoutes } from './recording-routes';
import { mediaLinkName } from './media-links';
import { refuse } from './refuse';
import { RequestLog } from './request-log';
import type { ClientSession, SessionCounters } from './session';

export interface ServeServerOptions {
  engine: RendererEngine;
  /** The built web renderer (index.html and assets). */
  rendererDir: string;
  host?: string;
  port?: number;
  /** The access token; a random one when not given. */
  token?: string;
  /** Host names (besides the bound address and loopback) requests may use: --allow-host. */
  allowHosts?: string[];
  /** The server's logger; fastify logs through it too (requests at debug). Default stderr. */
  log?: Logger;
  /** Connection limits (tests shorten them). */
  limits?: Partial<ConnectionLimits>;
  /** Accounts (users.ts): sign-in with a session cookie besides the token. Without it, the token only. */
  users?: UsersStore;
  /** How long a sign-in lasts (--session-ttl). */
  sessionTtlMs?: number;
  /** HTTPS with this certificate and key (PEM), --tls-cert and --tls-key. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface ConnectionLimits {
  /** A request's headers must have arrived this long after it started (408 otherwise). */
  headersTimeoutMs: number;
  /** A kept-alive connection with no next request is closed after this (one with no bytes at all, after both). */
  idleTimeoutMs: number;
  maxConnections: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = { headersTimeoutMs: 5000, idleTimeoutMs: 5000, maxConnections: 128 };

/** A page that answers no ping for this long is gone (its network dropped without a close). */
const HEARTBEAT_MS = 15_000;

/** Who a request is: the access token (an admin credential for automation), or a signed-in user. */
export type Principal = { via: 'token'; role: 'admin'; source: TokenSource } | { via: 'session'; role: Role; session: LoginSession };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request, if anyone (set by the access hook). */
    principal: Principal | null;
  }
}

export class ServeServer {
  readonly token: string;
  readonly app: FastifyInstance;
  readonly metrics: ServeMetrics;
  readonly sessions = new Set<ClientSession>();
  readonly counters: SessionCounters = { invalidMessages: 0, framesOverRate: 0, clientPauses: 0 };
  /** Browsers signed in (login-sessions.ts). */
  readonly logins: LoginSessions;
  /** The one-time code of the first admin's setup link, while no user exists. */
  readonly setup: { code: string | null };
  private readonly log: Logger;
  private readonly listenHost: string;
  private allowedHosts: Set<string>;
  private port = 0;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(readonly options: ServeServerOptions) {
    this.token = options.token ?? newToken();
    this.log = options.log ?? defaultLogger();
    this.listenHost = options.host ?? '127.0.0.1';
    this.allowedHosts = allowedHostNames(this.listenHost, options.allowHosts);
    this.logins = new LoginSessions(options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS, !!options.tls);
    this.setup = { code: options.users && options.users.count === 0 ? newToken() : null };
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    const serverTimeouts = { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) };
    // With TLS, fastify makes an https server from these options (the http ones are not used then).
    const transport = options.tls ? { https: { ...serverTimeouts, cert: options.tls.cert, key: options.tls.key } } : { http: serverTimeouts };
    this.app = Fastify({
      loggerInstance: this.log as FastifyBaseLogger,
      logController: new RequestLog(),
      // An idle socket goes after the headers timeout has had its chance to answer 408.
      connectionTimeout: limits.headersTimeoutMs + limits.idleTimeoutMs,
      keepAliveTimeout: limits.idleTimeoutMs,
      requestTimeout: limits.headersTimeoutMs * 2,
      bodyLimit: 64 * 1024,
      ...transport,
      return503OnClosing: true,
    }) as unknown as FastifyInstance;
    this.app.server.maxConnections = limits.maxConnections;
    this.metrics = new ServeMetrics({ snapshot: () => options.engine.snapshot(), server: () => this.serverCounters() });
    const cameraLimits = new CameraRateLimits((id) => options.engine.config.cameras.find((c) => c.id === id)?.maxFps);

    this.app.decorateRequest('principal', null);
    // Every route says who may use it, in access.ts; one that does not cannot be added.
    this.app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (!routeNeed(method, route.url)) throw new Error(`serve: route ${method} ${route.url} is not in ROUTE_ACCESS (src/serve/access.ts)`);
      }
    });
    this.app.addHook('onRequest', (request, reply, done) => {
      const refusal = this.refusal(request);
      // A refused request's body is never read: the connection cannot carry another request.
      const unread: Record<string, string> = request.headers['content-length'] || request.headers['transfer-encoding'] ? { Connection: 'close' } : {};
      if (refusal) void refuse(reply, refusal.status, refusal.text, { ...refusal.headers, ...unread });
      else done();
    });
    // An upgrade refused by the hook above never reaches @fastify/websocket's own clean-up: end its
    // socket once the refusal is out, or it would hold close() open.
    this.app.addHook('onResponse', (request, _reply, done) => {
      if (request.headers.upgrade) request.raw.socket?.destroy();
      done();
    });
    this.app.register(fastifyStatic, { root: options.rendererDir, serve: false, index: false, dotfiles: 'ignore' });
    this.app.register(fastifyWebsocket, {
      // A page offers WS_PROTOCOL and its token as a second subprotocol (auth.ts); only the first
      // is echoed. A client that offers neither (a script with the Bearer header) gets none.
      options: { maxPayload: MAX_WS_MESSAGE_BYTES, perMessageDeflate: false, handleProtocols: (offered: Set<string>) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false) },
      // A protocol error (too large, not UTF-8...) is closed by ws itself with its code (1009,
      // 1007), which the client should see; anything else ends the socket.
      errorHandler: (error: Error & { code?: string }, socket) => {
        if (!error.code?.startsWith('WS_ERR_')) socket.terminate();
      },
    });
    this.app.register(async (scope) =>
      registerRoutes(scope, {
        server: this,
        rendererDir: options.rendererDir,
        cameraLimits,
        log: this.log,
      }),
    );
    this.app.register(async (scope) => registerEventRoutes(scope, () => options.engine.events ?? null));
    this.app.register(async (scope) =>
      registerRecordingRoutes(scope, {
        events: () => options.engine.events ?? null,
        recordings: () => options.engine.recordings ?? null,
        config: () => options.engine.config,
        token: this.token,
      }),
    );
    if (options.users) {
      const users = options.users;
      this.app.register(async (scope) =>
        registerAccountRoutes(scope, {
          users,
          sessions: this.logins,
          limiter: new LoginLimiter(),
          setup: this.setup,
          endSockets: (login) => {
            for (const client of this.sessions) if (client.login === login) client.socket.close(1008, 'signed out');
          },
          log: this.log,
        }),
      );
    }
    this.app.setNotFoundHandler((_request, reply) => refuse(reply, 404, 'not found'));
    this.app.setErrorHandler((err: Error & { statusCode?: number }, _request, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      if (status >= 500) this.log.error({ err }, 'serve: a request failed');
      return refuse(reply, status, status >= 500 ? 'internal error' : err.message);
    });
    this.heartbeat = setInterval(() => {
      for (const session of this.sessions) session.checkAlive();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async listen(): Promise<{ port: number; url: string }> {
    await this.app.listen({ host: this.listenHost, port: this.options.port ?? 0 });
    this.port = (this.app.server.address() as AddressInfo).port;
    return { port: this.port, url: this.url };
  }

  /** The port it listens on (after listen()). */
  get boundPort(): number {
    return this.port;
  }

  /** The address to open: a wildcard listen address is shown as the loopback one. */
  get url(): string {
    return `${this.origin}/?token=${this.token}`;
  }

  /** The one-time link that creates the first admin, while no user exists. */
  get setupUrl(): string | null {
    return this.setup.code ? `${this.origin}/setup?code=${this.setup.code}` : null;
  }

  private get origin(): string {
    const shown = isWildcardHost(this.listenHost) ? '127.0.0.1' : this.listenHost;
    return `${this.options.tls ? 'https' : 'http'}://${urlHost(shown)}:${this.port}`;
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  serverCounters(): ServerCounters {
    return { clients: this.sessions.size, ...this.counters };
  }

  /** Closes every socket and the listener. The engine is the caller's to stop. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const session of this.sessions) session.socket.terminate();
    this.sessions.clear();
    this.app.server.closeAllConnections();
    await this.app.close();
  }

  /** Who sent the request: the token (any of its carriers), or a live session's cookie. */
  private identify(request: FastifyRequest): Principal | null {
    const headers = request.headers;
    const source = authorize({ authorization: headers.authorization, query: queryParams(request.url).get('token'), protocols: headers['sec-websocket-protocol'] }, this.token);
    if (source) return { via: 'token', role: 'admin', source };
    const users = this.options.users;
    const session = users ? this.logins.fromCookieHeader(headers.cookie) : null;
    if (!users || !session) return null;
    // The user as the file holds it now: removed, or a new password, ends the session; a new role applies at once.
    const user = users.find(session.user);
    if (!user || user.scrypt.hash !== session.hash) {
      this.logins.end(session);
      return null;
    }
    return { via: 'session', role: user.role, session };
  }

  /**
   * What is wrong with a request, if anything: Host, then who sent it (the route's entry in
   * access.ts), then Origin, then the method, then the role.
   */
  private refusal(request: FastifyRequest): { status: number; text: string; headers?: Record<string, string> } | null {
    const headers = request.headers;
    if (!hostAllowed(headers.host, this.allowedHosts)) {
      this.log.warn(`serve: refused a request for host ${JSON.stringify(String(headers.host ?? '').slice(0, 100))} (allow a name with --allow-host)`);
      return { status: 421, text: 'this server does not answer to that host name; start serve mode with --allow-host NAME to allow it' };
    }
    // A URL no route takes (the not-found handler) wants someone signed in before it is told so.
    const url = request.routeOptions.url;
    const need = url === undefined ? 'viewer' : (routeNeed(request.method, url) ?? 'admin');
    request.principal = this.identify(request);
    const open = need === 'public' ? !headers.upgrade : need === 'media-link' && this.signedMediaLink(request);
    if (!request.principal && !open) {
      return {
        status: 401,
        text: 'unauthorized: sign in, open the URL serve mode printed (it carries ?token=), or send Authorization: Bearer <token>',
        headers: { 'WWW-Authenticate': 'Bearer' },
      };
    }
    if (!originAllowed(headers.origin, headers.host)) {
      this.log.warn(`serve: refused a request from origin ${JSON.stringify(String(headers.origin).slice(0, 200))}`);
      return { status: 403, text: 'forbidden origin' };
    }
    // Reading only, but for the few writes the access table names; the Origin was checked above.
    if (request.method !== 'GET' && request.method !== 'HEAD' && (url === undefined || routeNeed(request.method, url) === undefined)) {
      return { status: 405, text: 'method not allowed', headers: { Allow: 'GET, HEAD' } };
    }
    const role: Role | null = need === 'admin' || need === 'viewer' ? need : need === 'media-link' ? 'viewer' : null;
    if (role && request.principal && !roleAllows(request.principal.role, role)) {
      return { status: 403, text: forbiddenText(`${request.method} ${url}`, request.principal.role) };
    }
    return null;
  }

  /** GET /media/NAME, a clip or an export with `?sig=` of what it opens (media-links.ts). */
  private signedMediaLink(request: FastifyRequest): boolean {
    const query = queryParams(request.url);
    const name = mediaLinkName(request.routeOptions.url, request.params, query);
    return name !== null && mediaSignatureMatches(this.token, name, query.get('sig'));
  }
}

function queryParams(url: string): URLSearchParams {
  try {
    return new URL(url, 'http://serve.invalid').searchParams;
  } catch {
    return new URLSearchParams();
  }
}
