/**
 * The one way serve mode refuses a request: a status, a line of plain text, no caching.
 */
import type { FastifyReply } from 'fastify';

export function refuse(reply: FastifyReply, status: number, text: string, headers: Record<string, string> = {}): FastifyReply {
  return reply
    .code(status)
    .headers({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers })
    .send(`${text}\n`);
}
