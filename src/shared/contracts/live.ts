/**
 * An engine-side camera's live view on its way to a page: the camera's own video, copied by ffmpeg
 * into fragmented MP4 (never re-encoded), as an init segment and media fragments the page appends
 * to a Media Source; the results for the overlay; and, as the fallback for what the page's MSE
 * cannot play, the JPEG previews (sources.ts). Binary on serve mode's WebSocket (envelope.ts:
 * the JSON header, then the bytes), structured-cloned on the desktop's camera port; validated here
 * wherever they arrive.
 */
import { z } from 'zod';
import { encodeEnvelope, splitEnvelope } from './envelope';
import { CameraId, Detection } from './frames';
import { PreviewMessage } from './sources';

/** Largest init segment or fragment accepted (a GOP of a 4K camera's main stream fits). */
export const MAX_LIVE_BYTES = 16 * 1024 * 1024;

const Bytes = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, 'live-view data must be bytes (Uint8Array)')
  .refine((d) => d.byteLength <= MAX_LIVE_BYTES, 'live-view data too large');

/** The stream's init segment (ftyp + moov) and what it says about the video track. */
export const LiveInitMessage = z.object({
  type: z.literal('live-init'),
  cameraId: CameraId,
  /** Counts up with each ffmpeg run: fragments of a stream follow that stream's init segment. */
  stream: z.number().int().nonnegative(),
  /** RFC 6381 codec string (avc1.42c01e, hvc1.1.6.L93.b0, mp4v.6c): what MediaSource.isTypeSupported is asked. */
  codec: z.string().regex(/^[A-Za-z0-9.]{1,64}$/, 'codec string holds letters, digits and dots only'),
  width: z.number().int().positive().max(16384),
  height: z.number().int().positive().max(16384),
  /** Ticks a second of the track's times. */
  timescale: z.number().int().positive(),
  data: Bytes,
});
export type LiveInitMessage = z.infer<typeof LiveInitMessage>;

/** One media fragment (moof + mdat). The first a page gets after the init segment starts on a keyframe. */
export const LiveMediaMessage = z.object({
  type: z.literal('live-media'),
  cameraId: CameraId,
  stream: z.number().int().nonnegative(),
  /** Counts up from 0 within a stream; a gap means fragments were left out (the page waits for a keyframe). */
  seq: z.number().int().nonnegative(),
  keyframe: z.boolean(),
  /** Decode time of its first sample, its sample count and summed duration, in the track's timescale. */
  decodeTime: z.number().nonnegative().nullable(),
  samples: z.number().int().nonnegative(),
  duration: z.number().nonnegative(),
  data: Bytes,
});
export type LiveMediaMessage = z.infer<typeof LiveMediaMessage>;

/** The detections of one inferred frame, for the overlay over the video. */
export const LiveResultMessage = z.object({
  type: z.literal('live-result'),
  cameraId: CameraId,
  frameId: z.number().int().nonnegative(),
  detections: z.array(Detection).max(256),
  sourceWidth: z.number().int().positive().max(16384),
  sourceHeight: z.number().int().positive().max(16384),
  /** Date.now() when ffmpeg's frame was read. */
  decodedAt: z.number(),
  /** The frame's presentation time in the live stream, in seconds, when known. */
  mediaTime: z.number().nonnegative().nullable(),
});
export type LiveResultMessage = z.infer<typeof LiveResultMessage>;

/** Everything an engine-side camera's live view sends a page. */
export const LiveViewMessage = z.discriminatedUnion('type', [PreviewMessage, LiveInitMessage, LiveMediaMessage, LiveResultMessage]);
export type LiveViewMessage = z.infer<typeof LiveViewMessage>;

/** The body of each kind: the bytes that go after the JSON header. */
function bodyOf(message: LiveViewMessage): { header: object; body: Uint8Array } {
  switch (message.type) {
    case 'preview': {
      const { jpeg, ...header } = message;
      return { header, body: jpeg };
    }
    case 'live-init':
    case 'live-media': {
      const { data, ...header } = message;
      return { header, body: data };
    }
    case 'live-result':
      return { header: message, body: new Uint8Array(0) };
  }
}

/** Binary form for the WebSocket (envelope.ts). */
export function encodeLiveView(message: LiveViewMessage): Uint8Array {
  const { header, body } = bodyOf(message);
  return encodeEnvelope(header, body);
}

/** A binary live-view message as it arrives, checked; the bytes are copied (they outlive the message). */
export function decodeLiveView(bytes: Uint8Array): { ok: true; message: LiveViewMessage } | { ok: false; error: string } {
  const envelope = splitEnvelope(bytes, 64 * 1024);
  if (!envelope.ok) return { ok: false, error: `live view: ${envelope.error}` };
  const { header } = envelope;
  const body = envelope.body.slice();
  const candidate = header.type === 'preview' ? { ...header, jpeg: body } : header.type === 'live-result' ? header : { ...header, data: body };
  if (header.type === 'live-result' && body.byteLength > 0) return { ok: false, error: 'live view: a result carries no bytes' };
  const parsed = LiveViewMessage.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `live view: ${issue?.message ?? 'invalid'}${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}` };
  }
  return { ok: true, message: parsed.data };
}
