/**
 * Serve mode's WebSocket wire format: the engine API (engine-api.ts) over one socket per page.
 * Text messages are JSON envelopes; frames travel as binary messages (frames.ts, encodeFrame).
 */
import { z } from 'zod';
import { ApiEvent, ApiRequest, ApiResponse } from './engine-api';
import { FrameChannelInbound } from './frames';

/** Largest WebSocket message the server accepts: one 1024x1024 RGB frame plus its header. */
export const MAX_WS_MESSAGE_BYTES = 1024 * 1024 * 3 + 64 * 1024;

export const WsClientMessage = z.object({
  kind: z.literal('request'),
  id: z.number().int().nonnegative(),
  request: ApiRequest,
});
export type WsClientMessage = z.infer<typeof WsClientMessage>;

export const WsServerMessage = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('response'), id: z.number().int().nonnegative(), response: ApiResponse }),
  z.object({ kind: z.literal('event'), event: ApiEvent }),
  /** A result or drop notice for a frame this client sent. */
  z.object({ kind: z.literal('frame'), message: FrameChannelInbound }),
]);
export type WsServerMessage = z.infer<typeof WsServerMessage>;
