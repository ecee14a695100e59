/**
 * Serve mode's WebSocket wire format: the renderer API (src/shared/api.ts) over one socket.
 *
 * Text messages are JSON envelopes. Frames travel as binary messages: a 4-byte big-endian length,
 * that many bytes of UTF-8 JSON header (a FrameMessage without `data`), then the RGB bytes.
 */
import { z } from 'zod';
import { ApiEvent, ApiRequest, ApiResponse, FrameChannelInbound } from './api';
import { FrameMessage } from './protocol';

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

export const FrameHeader = FrameMessage.omit({ data: true });
export type FrameHeader = z.infer<typeof FrameHeader>;

export function encodeFrame(frame: FrameMessage): Uint8Array {
  const { data, ...header } = frame;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, false);
  out.set(json, 4);
  out.set(data, 4 + json.length);
  return out;
}

/** Decodes and validates a binary frame message; returns an error string for anything malformed. */
export function decodeFrame(bytes: Uint8Array): { ok: true; frame: FrameMessage } | { ok: false; error: string } {
  if (bytes.length < 4) return { ok: false, error: 'frame message shorter than its length prefix' };
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (headerLength > 64 * 1024 || 4 + headerLength > bytes.length) return { ok: false, error: 'frame header length out of range' };
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  } catch {
    return { ok: false, error: 'frame header is not JSON' };
  }
  const data = bytes.slice(4 + headerLength);
  const parsed = FrameMessage.safeParse({ ...(typeof header === 'object' && header ? header : {}), data });
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid frame' };
  return { ok: true, frame: parsed.data };
}
