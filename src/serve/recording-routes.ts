/**
 * Serve mode's recording routes (docs/api.md#recordings), behind the server's access hook:
 *   GET /api/events/:id/clip.mp4                         the event's [start − pre, end + post], cut from the segments
 *   GET /api/events/:id/clip-link                        {url}: the clip's signed link, for a <video> (media-links.ts)
 *   GET /api/recordings?camera=&after=&before=           {ranges: [{camera, start, end}]}, times in ms since the epoch
 *   GET /api/recordings/:camera/export.mp4?start=&end=   a span of at most an hour, cut the same way
 *   GET /api/recordings/:camera/export-link?start=&end=  {url}: its signed link
 * Files are sent with HTTP Range support (206 for a range, 416 for one outside the file), so a
 * <video> can seek. Ids, cameras and spans are checked before anything touches the disk (400).
 */
import path from 'node:path';
import { z } from 'zod';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { EventId } from '../shared/contracts/events';
import { CameraId, parseMessage } from '../shared/contracts/frames';
import type { AppConfig } from '../shared/contracts/config';
import type { EventsHub } from '../engine/events/hub';
import type { Recordings } from '../engine/recording/service';
import { ClipBusyError } from '../engine/recording/clips';
import { DEFAULT_RECORD } from '../engine/engine-sources';
import { recordPolicy } from '../engine/recording/engine-recordings';
import { clipLink, exportLink } from './media-links';
import { refuse } from './refuse';

export interface RecordingRouteDeps {
  events: () => EventsHub | null;
  recordings: () => Recordings | null;
  config: () => AppConfig;
  token: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const Millis = z.coerce.number().int().min(0).max(8.64e15);
export const RangesQuery = z.object({ camera: CameraId.optional(), after: Millis.optional(), before: Millis.optional() });
export const ExportQuery = z
  .object({ start: Millis, end: Millis, sig: z.string().max(200).optional(), token: z.string().max(1024).optional() })
  .refine((q) => q.end > q.start, 'end must be after start')
  .refine((q) => q.end - q.start <= HOUR_MS, 'an export is at most one hour (end − start ≤ 3600000 ms)');

export function registerRecordingRoutes(app: FastifyInstance, deps: RecordingRouteDeps): void {
  const recordings = (reply: FastifyReply): Recordings | null => {
    const r = deps.recordings();
    if (!r) void refuse(reply, 503, 'recording is off in this engine (no data folder or events database)');
    return r;
  };

  /** The event's clip span, or a reply already sent. */
  const eventSpan = (id: unknown, reply: FastifyReply): { id: string; camera: string; from: number; to: number } | null => {
    if (!EventId.safeParse(id).success) return void refuse(reply, 400, 'not an event id'), null;
    const event = deps.events()?.service.store?.get(id as string);
    if (!event) return void refuse(reply, 404, 'no such event'), null;
    const policy = recordPolicy(deps.config(), event.camera) ?? DEFAULT_RECORD;
    return { id: event.id, camera: event.camera, from: event.start - policy.preSeconds * 1000, to: (event.end ?? Date.now()) + policy.postSeconds * 1000 };
  };

  const send = async (reply: FastifyReply, r: Recordings, key: string, camera: string, from: number, to: number, download: string) => {
    let file: string | null;
    try {
      file = await r.clips.clip(key, camera, from, to);
    } catch (err) {
      if (err instanceof ClipBusyError) return refuse(reply, 503, err.message, { 'Retry-After': '5' });
      throw err;
    }
    if (!file) return refuse(reply, 404, 'no footage recorded in that span');
    return reply
      .type('video/mp4')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'private, no-cache')
      .header('Content-Disposition', `inline; filename="${download}"`)
      .sendFile(path.basename(file), r.clips.dir, { cacheControl: false, acceptRanges: true });
  };

  app.get('/api/events/:id/clip.mp4', async (request, reply) => {
    const span = eventSpan((request.params as { id?: string }).id, reply);
    if (!span) return reply;
    const r = recordings(reply);
    if (!r) return reply;
    return send(reply, r, span.id, span.camera, span.from, span.to, `event-${span.id}.mp4`);
  });

  app.get('/api/events/:id/clip-link', async (request, reply) => {
    const span = eventSpan((request.params as { id?: string }).id, reply);
    if (!span) return reply;
    return reply.header('Cache-Control', 'no-store').send({ url: clipLink(deps.token, span.id) });
  });

  app.get('/api/recordings', async (request, reply) => {
    const parsed = parseMessage(RangesQuery, request.query);
    if (!parsed.ok) return refuse(reply, 400, `invalid query: ${parsed.error}`);
    const r = recordings(reply);
    if (!r) return reply;
    const before = parsed.value.before ?? Date.now();
    const after = parsed.value.after ?? before - DAY_MS;
    if (after >= before) return refuse(reply, 400, 'after must be before before');
    return reply.header('Cache-Control', 'no-store').send({ ranges: r.catalogue.ranges(parsed.value.camera, after, before) });
  });

  const exportSpan = (params: unknown, query: unknown, reply: FastifyReply): { camera: string; start: number; end: number } | null => {
    const camera = (params as { camera?: string }).camera;
    if (!CameraId.safeParse(camera).success) return void refuse(reply, 400, 'not a camera id'), null;
    const parsed = parseMessage(ExportQuery, query);
    if (!parsed.ok) return void refuse(reply, 400, `invalid span: ${parsed.error}`), null;
    return { camera: camera!, start: parsed.value.start, end: parsed.value.end };
  };

  app.get('/api/recordings/:camera/export.mp4', async (request, reply) => {
    const span = exportSpan(request.params, request.query, reply);
    if (!span) return reply;
    const r = recordings(reply);
    if (!r) return reply;
    return send(reply, r, `export-${span.camera}-${span.start}-${span.end}`, span.camera, span.start, span.end, `${span.camera}-${span.start}.mp4`);
  });

  app.get('/api/recordings/:camera/export-link', async (request, reply) => {
    const span = exportSpan(request.params, request.query, reply);
    if (!span) return reply;
    return reply.header('Cache-Control', 'no-store').send({ url: exportLink(deps.token, span.camera, span.start, span.end) });
  });
}
