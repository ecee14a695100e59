/**
 * Serve mode's media folder (src/engine/media-store.ts), behind the same access hook as every route:
 *   GET /media/NAME    a picture or video a camera shows, by the name the store gave it
 *   PUT /api/media     keeps the body (Content-Type image/*, video/* or application/x-tflite) and answers
 *                      {ref: "media:NAME", path}: a video picked in the page becomes a file camera
 *                      the engine opens itself, so it survives a reload.
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { MAX_MEDIA_BYTES, MEDIA_PREFIX, MEDIA_TYPES, MediaError, type MediaStore } from '../engine/media-store';
import { refuse } from './refuse';

export function registerMediaRoutes(app: FastifyInstance, media: MediaStore): void {
  app.addContentTypeParser(/^((image|video)\/[\w.+-]+|application\/x-tflite)$/, { parseAs: 'buffer', bodyLimit: MAX_MEDIA_BYTES }, (_request, body, done) => done(null, body));

  app.get('/media/:name', async (request, reply) => {
    const name = (request.params as { name: string }).name;
    const file = media.pathOf(name);
    if (!file || !existsSync(file)) return refuse(reply, 404, 'not found');
    return reply
      .type(MEDIA_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Cache-Control', 'private, max-age=31536000, immutable')
      .sendFile(name, media.dir, { cacheControl: false });
  });

  app.put('/api/media', async (request, reply) => {
    const type = String(request.headers['content-type'] ?? '').split(';')[0].trim();
    if (!Buffer.isBuffer(request.body)) return refuse(reply, 415, 'send the picture, video or model as the body, with its image/*, video/* or application/x-tflite Content-Type');
    try {
      const name = media.put(request.body, type);
      return reply.code(201).header('Cache-Control', 'no-store').send({ ref: `${MEDIA_PREFIX}${name}`, path: media.pathOf(name) });
    } catch (err) {
      if (err instanceof MediaError) return refuse(reply, 400, err.message);
      throw err;
    }
  });
}
