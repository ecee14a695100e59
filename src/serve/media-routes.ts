/**
 * Serve mode's media folder (src/engine/media-store.ts), behind the same access hook as every route:
 *   GET /media/NAME    a picture or video a camera shows, by the name the store gave it (with the
 *                      token, or ?sig= from its link, media-links.ts)
 *   PUT /api/media     keeps the body (Content-Type image/*, video/* or application/x-tflite) and answers
 *                      {ref: "media:NAME", path}: a video picked in the page becomes a file camera
 *                      the engine opens itself, so it survives a reload. The body is streamed to
 *                      disk as it arrives; one over 512 MB or over the folder's quota
 *                      (settings.mediaQuotaMB) is answered 413, its partial file removed, and the
 *                      connection closed rather than read to its end (after a short linger, so
 *                      that the close is not a reset that loses the answer).
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { MAX_MEDIA_BYTES, MEDIA_PREFIX, MEDIA_TYPES, MediaError, MediaLimitError, type MediaStore } from '../engine/media-store';
import { quotaMessage } from '../engine/media-upload';
import { refuse } from './refuse';

export function registerMediaRoutes(app: FastifyInstance, media: MediaStore, quotaBytes: () => number): void {
  // The body stays a stream: the route writes it to disk as it comes.
  app.addContentTypeParser(/^((image|video)\/[\w.+-]+|application\/x-tflite)$/, (_request, payload, done) => done(null, payload));

  // With the token, or by the file's signed link (media-links.ts), which is how the page's <img> and <video> load it.
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
    const body = request.body as Readable | undefined;
    if (!body || typeof body[Symbol.asyncIterator] !== 'function') {
      return refuse(reply, 415, 'send the picture, video or model as the body, with its image/*, video/* or application/x-tflite Content-Type');
    }
    const quota = quotaBytes();
    // A body that says up front it will not fit is refused before a byte of it is read.
    const declared = Number(request.headers['content-length']);
    const tooLarge = declared > MAX_MEDIA_BYTES ? `the file is over ${MAX_MEDIA_BYTES / 1024 / 1024} MB` : media.used() + declared > quota ? quotaMessage(media.used() + declared, quota) : null;
    try {
      if (tooLarge) throw new MediaLimitError(tooLarge);
      // The store stops reading at the limit; the request stream itself is left to refuseBody.
      const name = await media.putStream(body.iterator({ destroyOnReturn: false }), type, quota);
      return reply.code(201).header('Cache-Control', 'no-store').send({ ref: `${MEDIA_PREFIX}${name}`, path: media.pathOf(name) });
    } catch (err) {
      if (err instanceof MediaLimitError) return refuseBody(request, reply, 413, 'Payload Too Large', err.message);
      if (err instanceof MediaError) return refuseBody(request, reply, 400, 'Bad Request', err.message);
      throw err;
    }
  });
}

/** How long the rest of a refused body is read and dropped before its connection is closed. */
const LINGER_MS = 2000;

/**
 * Refuses a body that is not read to its end. The connection does not stay, but it is not cut the
 * moment the answer is out either: a socket closed with unread bytes sends a reset, and a client
 * still writing its body would lose the answer with it. So the answer goes out, the socket's
 * sending side closes, what still comes is read and dropped for a moment, and then it closes.
 */
function refuseBody(request: FastifyRequest, reply: FastifyReply, status: number, reason: string, text: string): void {
  reply.hijack();
  const socket = request.raw.socket;
  const body = Buffer.from(`${text}\n`);
  const head = [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: text/plain; charset=utf-8',
    'Cache-Control: no-store',
    'X-Content-Type-Options: nosniff',
    'Connection: close',
    `Content-Length: ${body.length}`,
  ].join('\r\n');
  socket.end(Buffer.concat([Buffer.from(`${head}\r\n\r\n`), body]));
  request.raw.resume();
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
