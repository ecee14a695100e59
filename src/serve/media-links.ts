/**
 * Links to single media files for the page. An `<img>` or `<video>` cannot send the token as a
 * header, and serve mode sets no cookie (a cookie for 127.0.0.1 reaches every port of it), so the
 * page asks, with its token, for a file's link:
 *   GET /api/media-link/NAME   -> { url: "media/NAME?sig=SIGNATURE" }
 * The signature (auth.ts, mediaSignature) opens GET /media/NAME and nothing else; it stops working
 * when the token changes (--new-token).
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { MediaStore } from '../engine/media-store';
import { mediaSignature } from './auth';
import { refuse } from './refuse';

/**
 * What a signed link signs, for each route a link may open: a media file's name, `clip/ID` for an
 * event's clip, `export/CAMERA/START/END` for an export (the span as the query gives it). Null for
 * any other route: no link opens it.
 */
export function mediaLinkName(route: string | undefined, params: unknown, query: URLSearchParams): string | null {
  const p = (params ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  switch (route) {
    case '/media/:name':
      return text(p.name);
    case '/api/events/:id/clip.mp4':
      return text(p.id) && `clip/${text(p.id)}`;
    case '/api/recordings/:camera/export.mp4':
      return text(p.camera) && `export/${text(p.camera)}/${query.get('start')}/${query.get('end')}`;
    default:
      return null;
  }
}

/** The page-relative link to an event's clip, signed for `token`. */
export function clipLink(token: string, id: string): string {
  return `api/events/${encodeURIComponent(id)}/clip.mp4?sig=${mediaSignature(token, `clip/${id}`)}`;
}

/** The page-relative link to an export, signed for `token`. */
export function exportLink(token: string, camera: string, start: number, end: number): string {
  return `api/recordings/${encodeURIComponent(camera)}/export.mp4?start=${start}&end=${end}&sig=${mediaSignature(token, `export/${camera}/${start}/${end}`)}`;
}

/** The page-relative link to a media file, signed for `token`. */
export function mediaLink(token: string, name: string): string {
  return `media/${encodeURIComponent(name)}?sig=${mediaSignature(token, name)}`;
}

export function registerMediaLinkRoute(app: FastifyInstance, token: string, media: MediaStore): void {
  app.get('/api/media-link/:name', async (request, reply) => {
    const name = (request.params as { name: string }).name;
    const file = media.pathOf(name);
    if (!file || !existsSync(file)) return refuse(reply, 404, 'no such media file');
    return reply.header('Cache-Control', 'no-store').send({ url: mediaLink(token, name) });
  });
}
