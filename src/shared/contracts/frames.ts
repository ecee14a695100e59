/**
 * Frames and results: what travels between whoever captures a camera (a page, the CLI, the bench)
 * and that camera's worker, in both directions, and the binary form a frame takes on the wire
 * (serve mode's WebSocket and the hop from main to the worker). Validated where it arrives.
 */
import { z } from 'zod';
import { encodeEnvelope, splitEnvelope as splitEnvelopeOf } from './envelope';

/** Largest frame accepted anywhere: 1024x1024 RGB. Models here take 128 or 192 px squares. */
export const MAX_FRAME_SIDE = 1024;
export const MAX_FRAME_BYTES = MAX_FRAME_SIDE * MAX_FRAME_SIDE * 3;
export const MAX_ID_LENGTH = 64;
/** Largest JSON header of a binary frame (encodeFrame). */
export const MAX_FRAME_HEADER_BYTES = 64 * 1024;

export const CameraId = z
  .string()
  .min(1)
  .max(MAX_ID_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/, 'camera ids are letters, digits, - and _');
export type CameraId = z.infer<typeof CameraId>;

/** v: visibility 0..1 where the model gives one (pose keypoints). */
const Point = z.object({ x: z.number(), y: z.number(), v: z.number().min(0).max(1).optional() });

export const TensorSummary = z.object({
  name: z.string().max(256),
  shape: z.array(z.number().int()).max(8),
  dataType: z.string().max(32),
});
export type TensorSummary = z.infer<typeof TensorSummary>;

/** Box in coordinates normalised to the original frame: 0..1, origin top-left. */
export const Box = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() });
export type Box = z.infer<typeof Box>;

export const Detection = z.object({
  score: z.number(),
  box: Box,
  /** The detector's keypoints, or a landmark model's points (468 for a face mesh, 33 for a pose). */
  keypoints: z.array(Point).max(512),
  label: z.string().max(128),
});
export type Detection = z.infer<typeof Detection>;

/**
 * Where the picture sits inside the model-sized frame after letterboxing, as fractions of the
 * frame: the worker uses it to map detections back to the original picture.
 */
export const Letterbox = z.object({
  x: z.number().min(0).max(1),
  y: z.number().min(0).max(1),
  w: z.number().gt(0).max(1),
  h: z.number().gt(0).max(1),
});
export type Letterbox = z.infer<typeof Letterbox>;

/** A frame already letterboxed to the model's input size, RGB, 3 bytes a pixel. */
export const FrameMessage = z.object({
  type: z.literal('frame'),
  cameraId: CameraId,
  frameId: z.number().int().nonnegative(),
  width: z.number().int().positive().max(MAX_FRAME_SIDE),
  height: z.number().int().positive().max(MAX_FRAME_SIDE),
  data: z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, 'frame data must be bytes (Uint8Array)')
    .refine((d) => d.byteLength <= MAX_FRAME_BYTES, 'frame too large'),
  letterbox: Letterbox,
  /** Width and height of the picture before letterboxing, for the overlay. */
  sourceWidth: z.number().int().positive().max(16384),
  sourceHeight: z.number().int().positive().max(16384),
  /** Date.now() when the sender accepted the frame: the start of end-to-end latency. */
  acceptedAt: z.number(),
});
export type FrameMessage = z.infer<typeof FrameMessage>;

export const ResultMessage = z.object({
  type: z.literal('result'),
  cameraId: CameraId,
  frameId: z.number().int().nonnegative(),
  detections: z.array(Detection).max(1000),
  /** Output tensors of a model with the raw decoder. */
  outputs: z.array(TensorSummary).max(64).optional(),
  inferMs: z.number().nonnegative(),
  /** Frame accepted (sender clock) to result out (worker clock); same machine, so comparable. */
  endToEndMs: z.number(),
  sourceWidth: z.number().int().positive(),
  sourceHeight: z.number().int().positive(),
  /** Engine-internal: frame slots the worker has read in all (src/engine/frame-slots.ts); main removes it before a page sees the answer. */
  slotsRead: z.number().int().nonnegative().optional(),
});
export type ResultMessage = z.infer<typeof ResultMessage>;

/**
 * Tells the sender a frame will not be answered (rejected or replaced by a newer one), so it gets
 * its credit back.
 */
export const FrameDroppedMessage = z.object({
  type: z.literal('frame-dropped'),
  cameraId: CameraId,
  frameId: z.number().int().nonnegative(),
  reason: z.enum(['replaced', 'rejected', 'not-ready']),
  message: z.string().max(500).optional(),
  /** As on ResultMessage. */
  slotsRead: z.number().int().nonnegative().optional(),
});
export type FrameDroppedMessage = z.infer<typeof FrameDroppedMessage>;

/** What comes back on a camera's frame channel. */
export const FrameChannelInbound = z.discriminatedUnion('type', [ResultMessage, FrameDroppedMessage]);
export type FrameChannelInbound = z.infer<typeof FrameChannelInbound>;

/**
 * Binary form of a frame: a 4-byte big-endian length, that many bytes of UTF-8 JSON header (a
 * FrameMessage without `data`), then the RGB bytes. A track snapshot (below) has the same form.
 */
export const FrameHeader = FrameMessage.omit({ data: true });
export type FrameHeader = z.infer<typeof FrameHeader>;

/** The JSON header and the body of a frame or track snapshot (a view: the bytes were received for this message alone). */
function splitEnvelope(bytes: Uint8Array) {
  return splitEnvelopeOf(bytes, MAX_FRAME_HEADER_BYTES);
}

export function encodeFrame(frame: FrameMessage): Uint8Array {
  const { data, ...header } = frame;
  return encodeEnvelope(header, data);
}

/**
 * What a binary message from a page is, read from its header alone without validating the rest:
 * enough for main to pick the worker that validates it. Null when even that cannot be read.
 */
export function peekBinary(bytes: Uint8Array): { kind: 'frame'; cameraId: string; frameId: number } | { kind: 'track-snapshot'; cameraId: string; trackId: number } | null {
  const split = splitEnvelope(bytes);
  if (!split.ok) return null;
  const { header } = split;
  const cameraId = CameraId.safeParse(header.cameraId);
  if (!cameraId.success) return null;
  const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (header.type === 'track-snapshot') return isId(header.trackId) ? { kind: 'track-snapshot', cameraId: cameraId.data, trackId: header.trackId } : null;
  return isId(header.frameId) ? { kind: 'frame', cameraId: cameraId.data, frameId: header.frameId } : null;
}

/** Which camera and frame a binary frame is for (see peekBinary); null for anything else. */
export function peekFrame(bytes: Uint8Array): { cameraId: string; frameId: number } | null {
  const head = peekBinary(bytes);
  return head?.kind === 'frame' ? { cameraId: head.cameraId, frameId: head.frameId } : null;
}

/** Decodes and validates a binary frame message; returns an error string for anything malformed. */
export function decodeFrame(bytes: Uint8Array): { ok: true; frame: FrameMessage } | { ok: false; error: string } {
  const split = splitEnvelope(bytes);
  if (!split.ok) return { ok: false, error: `frame ${split.error}` };
  const parsed = FrameMessage.safeParse({ ...split.header, data: split.body });
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid frame' };
  return { ok: true, frame: parsed.data };
}

// ---------------------------------------------------------------- page-captured snapshots

/**
 * Largest JPEG a page may send for a track: the size of the largest frame, so serve mode's message
 * limit stays what it is (a 4K picture at quality 0.85 is usually 1-2 MB; the page lowers the
 * quality of one that is larger).
 */
export const MAX_TRACK_SNAPSHOT_BYTES = MAX_FRAME_BYTES;

/**
 * Worker -> the page that sent the frame: a track of this camera started or improved; send a
 * full-size JPEG of the current picture. The box (0..1 of the picture) is the track's best.
 */
export const SnapshotRequestMessage = z.object({
  type: z.literal('snapshot-request'),
  cameraId: CameraId,
  trackId: z.number().int().nonnegative(),
  box: Box,
});
export type SnapshotRequestMessage = z.infer<typeof SnapshotRequestMessage>;

/** Page -> worker: the answer, a JPEG of the picture at its own size. */
export const TrackSnapshotMessage = z.object({
  type: z.literal('track-snapshot'),
  cameraId: CameraId,
  trackId: z.number().int().nonnegative(),
  jpeg: z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, 'snapshot must be bytes (Uint8Array)')
    .refine((d) => d.byteLength <= MAX_TRACK_SNAPSHOT_BYTES, `snapshot over ${MAX_TRACK_SNAPSHOT_BYTES} bytes`)
    .refine((d) => d.byteLength >= 3 && d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff, 'snapshot is not a JPEG (no start-of-image marker)'),
});
export type TrackSnapshotMessage = z.infer<typeof TrackSnapshotMessage>;

/** Binary form (serve mode's WebSocket, main -> worker): the frame's envelope, the JPEG as its body. */
export function encodeTrackSnapshot(message: TrackSnapshotMessage): Uint8Array {
  const { jpeg, ...header } = message;
  return encodeEnvelope(header, jpeg);
}

export function decodeTrackSnapshot(bytes: Uint8Array): { ok: true; snapshot: TrackSnapshotMessage } | { ok: false; error: string } {
  const split = splitEnvelope(bytes);
  if (!split.ok) return { ok: false, error: `track snapshot ${split.error}` };
  const parsed = parseMessage(TrackSnapshotMessage, { ...split.header, jpeg: split.body });
  return parsed.ok ? { ok: true, snapshot: parsed.value } : { ok: false, error: parsed.error };
}

/** Parses without throwing; the caller counts and drops what fails. */
export function parseMessage<T>(schema: z.ZodType<T>, raw: unknown): { ok: true; value: T } | { ok: false; error: string } {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: `${issue?.message ?? 'invalid message'}${where}` };
}
