/**
 * Pictures (and uploaded videos) that cameras show, kept as files in the data directory's `media`
 * folder and named by their content (sha256), so the configuration holds a short reference
 * (`media:<name>`) instead of a data URL of several megabytes, and every snapshot and config event
 * stays small. Files are written atomically (mode 0600); names are checked, so a reference can
 * never point outside the folder. Pruning deletes only files with such a content name; a `media`
 * that is a symlink is refused, never followed (src/node/files).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ensureOwnDir, lstatOrNull, sweepOwnFiles, writeFileAtomic } from '../node/files';
import { keepUpload, MediaLimitError, quotaMessage } from './media-upload';

export { MediaLimitError } from './media-upload';

export const MEDIA_PREFIX = 'media:';

/** The kinds of file kept, by MIME type. */
const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
  'video/x-matroska': 'mkv',
  'video/x-motion-jpeg': 'mjpeg',
  /** A model of the user's own, picked in the dialog. */
  'application/x-tflite': 'tflite',
};
export const MEDIA_TYPES: Record<string, string> = Object.fromEntries(Object.entries(EXTENSIONS).map(([mime, ext]) => [ext, mime]));

const NAME = /^[0-9a-f]{64}\.(png|jpg|webp|gif|bmp|mp4|webm|mov|mkv|mjpeg|tflite)$/;

/** Largest picture or video kept. */
export const MAX_MEDIA_BYTES = 512 * 1024 * 1024;

/** The media folder's quota when the settings give none: 2 GB. */
export const DEFAULT_MEDIA_QUOTA_MB = 2048;

export function mediaQuotaBytes(settings: { mediaQuotaMB?: number }): number {
  return (settings.mediaQuotaMB ?? DEFAULT_MEDIA_QUOTA_MB) * 1024 * 1024;
}

export class MediaError extends Error {}

function extensionOf(mime: string): string {
  const ext = EXTENSIONS[mime.toLowerCase()];
  if (!ext) throw new MediaError(`cannot keep a file of type ${mime}: pictures (PNG, JPEG, WebP, GIF, BMP), videos (MP4, WebM, MOV, MKV, MJPEG) and TF Lite models only`);
  return ext;
}

export class MediaStore {
  readonly dir: string;
  /** Sizes of the media files, once read (null: read them again). */
  private diskBytes: number | null = null;
  /** Bytes of uploads under way. */
  private uploading = 0;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'media');
  }

  static isName(name: string): boolean {
    return NAME.test(name);
  }

  /** Keeps the bytes; returns the file's name. The same content is kept once. */
  put(bytes: Uint8Array, mime: string, quotaBytes = mediaQuotaBytes({})): string {
    const ext = extensionOf(mime);
    if (bytes.byteLength === 0) throw new MediaError('the file is empty');
    if (bytes.byteLength > MAX_MEDIA_BYTES) throw new MediaLimitError(`the file is over ${MAX_MEDIA_BYTES / 1024 / 1024} MB`);
    const name = `${createHash('sha256').update(bytes).digest('hex')}.${ext}`;
    const file = path.join(this.dir, name);
    ensureOwnDir(this.dir);
    if (existsSync(file)) return name;
    const wouldHold = this.used() + bytes.byteLength;
    if (wouldHold > quotaBytes) throw new MediaLimitError(quotaMessage(wouldHold, quotaBytes));
    writeFileAtomic(file, bytes);
    if (this.diskBytes !== null) this.diskBytes += bytes.byteLength;
    return name;
  }

  /**
   * Keeps a body as it arrives, never whole in memory (media-upload.ts): returns the file's name.
   * Throws MediaLimitError (nothing kept) when it passes the largest file or the folder's quota.
   */
  async putStream(body: AsyncIterable<Uint8Array>, mime: string, quotaBytes: number): Promise<string> {
    const ext = extensionOf(mime);
    ensureOwnDir(this.dir);
    let mine = 0;
    try {
      const kept = await keepUpload(this.dir, ext, body, {
        maxFileBytes: MAX_MEDIA_BYTES,
        quotaBytes,
        used: () => this.used(),
        taken: (n) => {
          mine += n;
          this.uploading += n;
        },
      });
      if (!kept) throw new MediaError('the file is empty');
      if (kept.added && this.diskBytes !== null) this.diskBytes += kept.bytes;
      return kept.name;
    } finally {
      this.uploading -= mine;
    }
  }

  /** Bytes the folder's media files take, plus uploads under way (the files' sizes are read once, then kept up to date). */
  used(): number {
    if (this.diskBytes === null) {
      let total = 0;
      let names: string[] = [];
      try {
        names = readdirSync(this.dir);
      } catch {
        // no folder yet
      }
      for (const name of names) {
        const stat = MediaStore.isName(name) ? lstatOrNull(path.join(this.dir, name)) : null;
        if (stat?.isFile()) total += stat.size;
      }
      this.diskBytes = total;
    }
    return this.diskBytes + this.uploading;
  }

  /** The file of a name this store gave out, or null for anything else. */
  pathOf(name: string): string | null {
    return MediaStore.isName(name) ? path.join(this.dir, name) : null;
  }

  /**
   * Removes media files no camera refers to any more; returns how many went. Only names this
   * store gives out are touched. Throws LinkRefusedError when `media` is a symlink.
   */
  prune(referenced: Set<string>): number {
    this.diskBytes = null;
    if (!lstatOrNull(this.dir)) return 0;
    ensureOwnDir(this.dir);
    return sweepOwnFiles(this.dir, { own: MediaStore.isName, keep: (name) => referenced.has(name), tighten: true }).removed;
  }
}

/** `data:image/png;base64,...` as bytes and type; null if the URL is not a base64 data URL. */
export function parseDataUrl(url: string): { mime: string; bytes: Uint8Array } | null {
  const match = /^data:([\w.+-]+\/[\w.+-]+)(?:;[^,;]*)*;base64,/.exec(url);
  if (!match) return null;
  return { mime: match[1], bytes: Buffer.from(url.slice(match[0].length), 'base64') };
}

/** Data URLs up to this length may stay in the config as they are. */
const SMALL_INLINE = 2048;

/** A camera whose picture came as a data URL gets it kept as a file and refers to it instead. */
export function keepInlineMedia<C extends { source: { kind: string; url?: string } }>(camera: C, store: MediaStore): C {
  if (camera.source.kind !== 'image' || !camera.source.url?.startsWith('data:')) return camera;
  const parsed = parseDataUrl(camera.source.url);
  // A short data URL of another form costs nothing to keep inline; a long one must be base64.
  if (!parsed && camera.source.url.length <= SMALL_INLINE) return camera;
  if (!parsed) throw new MediaError('the picture is not a base64 data URL');
  return { ...camera, source: { ...camera.source, url: `${MEDIA_PREFIX}${store.put(parsed.bytes, parsed.mime)}` } };
}

/** Names of the media files these cameras refer to: pictures, videos and models of their own. */
export function referencedMedia(cameras: Array<{ model?: string; source: { kind: string; url?: string } }>): Set<string> {
  const out = new Set<string>();
  for (const camera of cameras) {
    const ref = camera.source.url ?? '';
    if (ref.startsWith(MEDIA_PREFIX)) out.add(ref.slice(MEDIA_PREFIX.length));
    const model = path.basename(camera.model ?? '');
    if (MediaStore.isName(model)) out.add(model);
  }
  return out;
}
