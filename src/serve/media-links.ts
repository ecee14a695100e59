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
