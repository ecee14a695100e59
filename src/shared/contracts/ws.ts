/**
 * Serve mode's WebSocket wire format: the engine API (engine-api.ts) over one socket per page.
 * Text messages are JSON envelopes; frames and the pictures a page sends for its tracks travel as
 * binary messages (frames.ts: encodeFrame, encodeTrackSnapshot).
 */
import { z } from 'zod';
import { ApiEvent, ApiRequest, ApiResponse } from './engine-api';
import { FrameChannelInbound, MAX_FRAME_BYTES, MAX_FRAME_HEADER_BYTES, MAX_TRACK_SNAPSHOT_BYTES, SnapshotRequestMessage } from './frames';

/**
 * Largest WebSocket message the server accepts: one 1024x1024 RGB frame or one track snapshot
 * (binary messages, frames.ts), plus its header.
 */
export const MAX_WS_MESSAGE_BYTES = Math.max(MAX_FRAME_BYTES, MAX_TRACK_SNAPSHOT_BYTES) + MAX_FRAME_HEADER_BYTES + 4;

/**
 * The WebSocket subprotocols a page offers: WS_PROTOCOL, which the server echoes, and
 * `${WS_TOKEN_PROTOCOL_PREFIX}TOKEN`, which carries the access token (a browser can set no header
 * on a WebSocket, and a cookie would reach every port of the host).
 */
export const WS_PROTOCOL = 'multicam';
export const WS_TOKEN_PROTOCOL_PREFIX = 'multicam-token.';

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
  /** A track of a camera this client captures wants a full-size picture (answered with a binary track snapshot). */
  z.object({ kind: z.literal('snapshot-request'), message: SnapshotRequestMessage }),
]);
export type WsServerMessage = z.infer<typeof WsServerMessage>;
