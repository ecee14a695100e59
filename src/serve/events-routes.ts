/**
 * Serve mode's event routes, behind the server's access hook (token, Host, Origin):
 *   GET    /api/events?camera=&label=&zone=&after=&before=&limit=&cursor=   {events, next}, newest first
 *   GET    /api/events/:id/snapshot.jpg   the full frame with the box drawn (image/jpeg)
 *   GET    /api/events/:id/crop.jpg       the crop around the box
 *   DELETE /api/events/:id
 * Ids are validated before anything touches the disk: anything path-like is a 400.
 */
import fs from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { EventId, EventQuery, type SnapshotKind } from '../shared/contracts/events';
import { parseMessage } from '../shared/contracts/frames';
import type { EventsHub } from '../engine/events/hub';

function fail(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).header('Cache-Control', 'no-store').send({ error });
}

export function registerEventRoutes(app: FastifyInstance, events: () => EventsHub | null): void {
  const hub = (reply: FastifyReply): EventsHub | null => {
    const h = events();
    if (!h) fail(reply, 503, 'events are off in this engine');
    return h;
  };

  app.get('/api/events', async (request, reply) => {
    const parsed = parseMessage(EventQuery, request.query);
    if (!parsed.ok) return fail(reply, 400, `invalid query: ${parsed.error}`);
    const h = hub(reply);
    if (!h) return reply;
    try {
      return reply.header('Cache-Control', 'no-store').send(h.list(parsed.value));
    } catch (err) {
      return fail(reply, /invalid cursor/.test((err as Error).message) ? 400 : 503, (err as Error).message);
    }
  });

  const image = (kind: SnapshotKind) => async (request: { params: unknown }, reply: FastifyReply) => {
    const id = (request.params as { id?: string }).id;
    if (!EventId.safeParse(id).success) return fail(reply, 400, 'not an event id');
    const h = hub(reply);
    if (!h) return reply;
    const file = h.imageFile(id!, kind);
    if (!file) return fail(reply, 404, 'no such event or no snapshot');
    return reply.type('image/jpeg').header('Cache-Control', 'private, max-age=60').send(fs.createReadStream(file));
  };
  app.get('/api/events/:id/snapshot.jpg', image('snapshot'));
  app.get('/api/events/:id/crop.jpg', image('crop'));

  app.delete('/api/events/:id', async (request, reply) => {
    const id = (request.params as { id?: string }).id;
    if (!EventId.safeParse(id).success) return fail(reply, 400, 'not an event id');
    const h = hub(reply);
    if (!h) return reply;
    if (!h.delete(id!)) return fail(reply, 404, 'no such event');
    return reply.header('Cache-Control', 'no-store').send({ deleted: true });
  });
}
