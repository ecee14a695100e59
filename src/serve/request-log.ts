/**
 * How fastify logs requests (its LogController): a request's start at trace, its completion at
 * debug, a route not found at debug; info and up stay readable under a busy dashboard. Only the
 * path is logged, never the query: the page's first request carries the access token there.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0];
}

export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.trace({ method: request.method, path: pathOf(request) }, 'request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const fields = { method: request.method, path: pathOf(request), status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) reply.log.error({ ...fields, err: error }, 'request failed');
    else reply.log.debug(fields, 'request completed');
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug({ method: request.method, path: pathOf(request) }, 'no route');
  }
}
