/**
 * Serve mode's routes, behind the access hook in server.ts (who may use each: access.ts): the counters (/api/stats, /metrics),
 * the WebSocket (/ws, one ClientSession per socket), the media folder (media-routes.ts) and the built
 * renderer (everything else).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../engine/logger';
import type { CameraRateLimits } from './flow-limits';
import { statsFromSnapshot } from './metrics';
import { refuse } from './refuse';
import type { ServeServer } from './server';
import { registerMediaRoutes } from './media-routes';
import { mediaQuotaBytes } from '../engine/media-store';
import { registerMediaLinkRoute } from './media-links';
import { ClientSession } from './session';
import { pageHeaders, staticTarget } from './static-files';

export interface RouteContext {
  server: ServeServer;
  rendererDir: string;
  cameraLimits: CameraRateLimits;
  log: Logger;
}

export function registerRoutes(app: FastifyInstance, context: RouteContext): void {
  const { server } = context;
  let nextClientId = 1;

  app.get('/api/stats', async (_request, reply) => {
    const stats = statsFromSnapshot(server.options.engine.snapshot(), server.serverCounters());
    return reply.header('Cache-Control', 'no-store').send(stats);
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await server.metrics.text();
    return reply.header('Content-Type', server.metrics.contentType).header('Cache-Control', 'no-store').send(text);
  });

  app.route({
    method: 'GET',
    url: '/ws',
    handler: (_request, reply) => refuse(reply, 426, 'this path takes WebSocket upgrades only', { Upgrade: 'websocket' }),
    wsHandler: (socket, request) => {
      const principal = request.principal!;
      const login = principal.via === 'session' ? principal.session : undefined;
      const session = new ClientSession(nextClientId++, socket, {
        role: principal.role,
        login,
        // A signed-in page's socket lasts as long as its session: expiry or logout ends it.
        loggedIn: login ? () => server.logins.alive(login) : () => true,
        engine: server.options.engine,
        limits: context.cameraLimits,
        counters: server.counters,
        onFrameReply: (message) => server.metrics.observe(message),
        log: context.log,
      });
      server.sessions.add(session);
      session.start(() => server.sessions.delete(session));
    },
  });

  registerMediaRoutes(app, server.options.engine.media, () => mediaQuotaBytes(server.options.engine.config.settings));
  registerMediaLinkRoute(app, server.token, server.options.engine.media);

  // The built page and its assets are the app's own code, the same for everyone: public in
  // access.ts, so a page opened (or reloaded) without ?token= in its address still loads, and then
  // uses the token it keeps in sessionStorage or shows the sign-in form. Host and Origin are still checked.
  app.get('/*', async (request, reply) => {
    // An upgrade anywhere but /ws is not a WebSocket this server offers.
    if (request.ws) return refuse(reply, 404, 'not found');
    const target = staticTarget(context.rendererDir, request.url.split('?')[0]);
    if (target.kind === 'not-built') return refuse(reply, 503, 'The web renderer is not built: run `npm run build` (or start with `npm run serve`, which builds first), then reload.');
    if (target.kind === 'not-found') return refuse(reply, 404, 'not found');
    reply.header('X-Content-Type-Options', 'nosniff');
    if (target.isPage) reply.headers(pageHeaders(request.headers.host));
    else reply.header('Cache-Control', 'no-cache');
    return reply.sendFile(target.relative, target.root, { cacheControl: false });
  });
}
