/**
 * Cameras the engine opens itself (ffmpeg inside the camera's worker): the source kinds as the
 * configuration stores them, what the worker reports about its source, and the live-view frames
 * (a JPEG plus the detections computed on that same frame) it sends towards the renderer.
 */
import { z } from 'zod';
import { encodeEnvelope, splitEnvelope } from './envelope';
import { CameraId, Detection } from './frames';
import { RecordingStatus } from './recording';

export const STREAM_SCHEMES = ['rtsp:', 'rtsps:', 'http:', 'https:'] as const;

/**
 * The first control character (C0, DEL or C1) in a text, or null. `new URL` silently drops tabs and
 * line breaks, ffmpeg does not: a line break in a stream URL would start a new line of the ffconcat
 * list the URL travels in (a directive of its own), so the raw text is checked, not the parsed URL.
 */
export function controlCharacterIn(text: string): { index: number; code: string } | null {
  const m = /[\u0000-\u001f\u007f-\u009f]/.exec(text);
  return m ? { index: m.index, code: `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` } : null;
}

/** The scheme as the raw text spells it, with its "//": what ffmpeg picks its protocol by. */
const RAW_STREAM_PREFIX = /^(rtsps?|https?):\/\//i;

/**
 * rtsp, rtsps, http or https, with a host; anything else gets a message saying what is accepted.
 * The raw text is checked as ffmpeg will read it: no control character anywhere, no space at either
 * end, and the scheme with its "//" at the very start (`new URL` forgives all three).
 */
export const StreamUrl = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((value, ctx) => {
    const control = controlCharacterIn(value);
    if (control) {
      ctx.addIssue({
        code: 'custom',
        message: `the stream URL holds a control character (${control.code}, a line break, tab or the like) at position ${control.index}: percent-encode it (%0A, %09, ...) if the camera really needs one`,
      });
      return;
    }
    if (value.trim() !== value) {
      ctx.addIssue({ code: 'custom', message: 'the stream URL starts or ends with a space' });
      return;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a URL: a stream camera needs rtsp://, rtsps://, http:// or https://' });
      return;
    }
    if (!(STREAM_SCHEMES as readonly string[]).includes(url.protocol)) {
      ctx.addIssue({
        code: 'custom',
        message: `${url.protocol.replace(/:$/, '')}:// is not supported for stream cameras: use rtsp://, rtsps://, http:// or https://`,
      });
    } else if (!RAW_STREAM_PREFIX.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'the stream URL must start with rtsp://, rtsps://, http:// or https://' });
    } else if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'the stream URL has no host' });
  });

/** How an RTSP camera sends its RTP: over the RTSP connection (tcp) or as UDP packets (udp). */
export const RtspTransport = z.enum(['tcp', 'udp']);
export type RtspTransport = z.infer<typeof RtspTransport>;

export const StreamSource = z.object({
  kind: z.literal('stream'),
  url: StreamUrl,
  /** RTSP only: ffmpeg's -rtsp_transport; unset, ffmpeg tries UDP and falls back to TCP. */
  transport: RtspTransport.optional(),
  /** The camera's main stream, recorded (copied, never decoded) while detection decodes `url`. */
  recordUrl: StreamUrl.optional(),
});
export const FileSource = z.object({
  kind: z.literal('file'),
  path: z.string().min(1).max(4096),
  /** Start again at the end (default true). */
  loop: z.boolean().optional(),
  /** Play at the file's own frame rate (default true); false decodes as fast as ffmpeg can (the bench). */
  realtime: z.boolean().optional(),
});
export const DeviceSource = z.object({ kind: z.literal('device'), path: z.string().min(1).max(1024) });

export const EngineSourceConfig = z.discriminatedUnion('kind', [StreamSource, FileSource, DeviceSource]);
export type EngineSourceConfig = z.infer<typeof EngineSourceConfig>;

export const ENGINE_SOURCE_KINDS = ['stream', 'file', 'device'] as const;
export function isEngineSource(source: { kind: string }): source is EngineSourceConfig {
  return (ENGINE_SOURCE_KINDS as readonly string[]).includes(source.kind);
}

export const SourceState = z.enum(['connecting', 'running', 'no-signal', 'error', 'stopped']);
export type SourceState = z.infer<typeof SourceState>;

/** What a worker says about its ffmpeg, in every stats message. Figures it cannot read are null. */
export const SourceStats = z.object({
  state: SourceState,
  reason: z.string().max(2000).nullable(),
  /** Decoded frames a second (the camera's fps). */
  fps: z.number().nonnegative(),
  framesDecoded: z.number().int().nonnegative(),
  reconnects: z.number().int().nonnegative(),
  ffmpegPid: z.number().int().nullable(),
  ffmpegCpuPercent: z.number().nonnegative().nullable(),
  ffmpegRssBytes: z.number().nonnegative().nullable(),
  /** Absent: not recording. */
  recording: RecordingStatus.optional(),
});
export type SourceStats = z.infer<typeof SourceStats>;

/** Which ffmpeg the engine runs and where it came from. */
export const FfmpegInfo = z.object({
  path: z.string().max(4096).nullable(),
  origin: z.enum(['setting', 'path', 'npm', 'none']),
  version: z.string().max(256).nullable(),
  error: z.string().max(2000).optional(),
});
export type FfmpegInfo = z.infer<typeof FfmpegInfo>;

/** Largest preview JPEG accepted anywhere (a 960 px wide frame is far smaller). */
export const MAX_PREVIEW_BYTES = 4 * 1024 * 1024;

/** One live-view frame: the picture and the detections the model found in that same frame. */
export const PreviewMessage = z.object({
  type: z.literal('preview'),
  cameraId: CameraId,
  /** Counts up per camera; a page keeps the newest. */
  frameId: z.number().int().nonnegative(),
  width: z.number().int().positive().max(16384),
  height: z.number().int().positive().max(16384),
  detections: z.array(Detection).max(256),
  /** Date.now() when ffmpeg's frame was read. */
  decodedAt: z.number(),
  jpeg: z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, 'preview must be bytes (Uint8Array)')
    .refine((d) => d.byteLength <= MAX_PREVIEW_BYTES, 'preview too large'),
});
export type PreviewMessage = z.infer<typeof PreviewMessage>;

export const PreviewHeader = PreviewMessage.omit({ jpeg: true });
export type PreviewHeader = z.infer<typeof PreviewHeader>;

/** Binary form for the WebSocket: 4-byte big-endian header length, JSON header, JPEG bytes. */
export function encodePreview(preview: PreviewMessage): Uint8Array {
  const { jpeg, ...header } = preview;
  return encodeEnvelope(header, jpeg);
}

export function decodePreview(bytes: Uint8Array): { ok: true; preview: PreviewMessage } | { ok: false; error: string } {
  const envelope = splitEnvelope(bytes, 64 * 1024);
  if (!envelope.ok) return { ok: false, error: `preview: ${envelope.error}` };
  // A copy: the picture outlives the message it came in.
  const parsed = PreviewMessage.safeParse({ ...envelope.header, jpeg: envelope.body.slice() });
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid preview' };
  return { ok: true, preview: parsed.data };
}
