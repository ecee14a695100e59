/**
 * Plays an engine-side camera's own video in a <video> through Media Source Extensions: the init
 * segment and fragments ffmpeg copied from the camera (never re-encoded) are appended as they come.
 * Whether this page can play it is MediaSource.isTypeSupported with the codec string of the init
 * segment; when it cannot (Motion-JPEG, HEVC on most machines), `playable` is false and the tile
 * shows the JPEG previews instead (preview-player.ts).
 *
 * Each ffmpeg run is a new stream (times start again): it gets a new MediaSource. A fragment that
 * does not follow the last one appended (some were left out on the way) is skipped, and so is
 * everything up to the next keyframe. The picture is kept near the newest fragment: a player that
 * falls more than LIVE_LAG_S behind jumps ahead, and what was played long ago is removed.
 *
 * A picture the browser cannot decode (a camera's stream over UDP loses packets, and a damaged
 * keyframe stops Chromium's video for good) ends that MediaSource: the player opens a new one with
 * the same init segment and goes on from the next keyframe.
 */
import type { LiveInitMessage, LiveMediaMessage } from '../../../shared/contracts/live';

/** Jump to the newest picture when playback is this far behind it. */
const LIVE_LAG_S = 2;
/** Keep at most this much played video in the buffer. */
const KEEP_BEHIND_S = 10;

export interface LiveStreamInfo {
  codec: string;
  width: number;
  height: number;
  /** Frames a second of the stream, from its fragments (null before one has come). */
  fps: number | null;
}

export class LivePlayer {
  readonly element: HTMLVideoElement;
  /** The current stream can be played here. */
  playable = false;
  info: LiveStreamInfo | null = null;
  private stream: number | null = null;
  private timescale = 1;
  private mediaSource: MediaSource | null = null;
  private objectUrl: string | null = null;
  private buffer: SourceBuffer | null = null;
  private readonly queue: Uint8Array[] = [];
  private lastSeq: number | null = null;
  private disposed = false;
  private initMessage: LiveInitMessage | null = null;
  /** Fragments appended, fragments skipped for a gap, and new starts after a decode error. */
  appended = 0;
  skipped = 0;
  recoveries = 0;

  constructor(
    readonly cameraId: string,
    /** Called when `playable` changes (the tile shows the other element). */
    private readonly onModeChange: () => void,
  ) {
    const video = document.createElement('video');
    video.className = 'tile-media';
    video.dataset.testid = 'live-video';
    video.dataset.cameraId = cameraId;
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    this.element = video;
    video.addEventListener('error', () => {
      if (this.disposed || !this.initMessage || !this.playable) return;
      this.recoveries++;
      video.dataset.recoveries = String(this.recoveries);
      this.close();
      this.open(this.initMessage);
    });
  }

  init(message: LiveInitMessage): void {
    if (this.disposed) return;
    // The same stream again (a page joining late may be sent it twice): nothing changes.
    if (message.stream === this.stream && message.codec === this.info?.codec && this.mediaSource) return;
    this.close();
    this.stream = message.stream;
    this.timescale = message.timescale;
    this.info = { codec: message.codec, width: message.width, height: message.height, fps: null };
    const mime = `video/mp4; codecs="${message.codec}"`;
    const supported = typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(mime);
    this.element.dataset.codec = message.codec;
    this.element.dataset.playable = String(supported);
    if (supported !== this.playable) {
      this.playable = supported;
      this.onModeChange();
    }
    this.initMessage = message;
    if (supported) this.open(message);
  }

  /** A new MediaSource for the stream: the init segment first, then fragments from the next keyframe. */
  private open(message: LiveInitMessage): void {
    const mime = `video/mp4; codecs="${message.codec}"`;
    const mediaSource = new MediaSource();
    this.mediaSource = mediaSource;
    this.objectUrl = URL.createObjectURL(mediaSource);
    this.element.src = this.objectUrl;
    this.queue.push(message.data);
    mediaSource.addEventListener('sourceopen', () => {
      if (this.mediaSource !== mediaSource || this.disposed) return;
      try {
        const buffer = mediaSource.addSourceBuffer(mime);
        buffer.mode = 'segments';
        buffer.addEventListener('updateend', () => this.afterAppend(buffer));
        this.buffer = buffer;
        this.pump();
      } catch {
        this.playable = false;
        this.onModeChange();
      }
    });
  }

  media(message: LiveMediaMessage): void {
    if (this.disposed || message.stream !== this.stream || !this.info) return;
    if (message.samples > 0 && message.duration > 0) this.info = { ...this.info, fps: (message.samples * this.timescale) / message.duration };
    if (!this.playable) return;
    const follows = this.lastSeq !== null && message.seq === this.lastSeq + 1;
    if (!message.keyframe && !follows) {
      this.skipped++;
      this.lastSeq = null;
      return;
    }
    this.lastSeq = message.seq;
    this.queue.push(message.data);
    this.pump();
  }

  private pump(): void {
    const buffer = this.buffer;
    if (!buffer || buffer.updating || this.queue.length === 0) return;
    try {
      buffer.appendBuffer(this.queue.shift() as Uint8Array<ArrayBuffer>);
    } catch {
      // Quota or a closed source: start over at the next keyframe.
      this.queue.length = 0;
      this.lastSeq = null;
    }
  }

  private afterAppend(buffer: SourceBuffer): void {
    if (buffer !== this.buffer) return;
    this.appended++;
    const video = this.element;
    const ranges = buffer.buffered;
    if (ranges.length > 0) {
      const start = ranges.start(ranges.length - 1);
      const end = ranges.end(ranges.length - 1);
      // Behind the newest range (a gap) or too far behind live: go to the newest picture.
      if (video.currentTime < start || end - video.currentTime > LIVE_LAG_S) video.currentTime = Math.max(start, end - 0.5);
      if (video.paused) void video.play().catch(() => undefined);
      if (this.queue.length === 0 && video.currentTime - ranges.start(0) > 2 * KEEP_BEHIND_S) {
        buffer.remove(0, video.currentTime - KEEP_BEHIND_S);
        return;
      }
    }
    this.pump();
  }

  private close(): void {
    this.buffer = null;
    this.queue.length = 0;
    this.lastSeq = null;
    if (this.mediaSource?.readyState === 'open') {
      try {
        this.mediaSource.endOfStream();
      } catch {
        // already ending
      }
    }
    this.mediaSource = null;
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
  }

  dispose(): void {
    this.disposed = true;
    this.close();
    this.element.removeAttribute('src');
    this.element.remove();
  }
}
