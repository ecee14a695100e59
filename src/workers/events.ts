/**
 * The camera worker's side of events. The worker sees every frame and every result whatever the
 * source, so tracking runs here: each result goes through the Tracker, and each track start, better
 * score, new zone or end goes to the engine as a validated 'track' message.
 *
 * Snapshots come from the best picture the worker has of that moment:
 *  - engine-side sources: the latest display frame (the preview JPEG ffmpeg writes), decoded,
 *    the box drawn, re-encoded. A track that starts before the first display frame has come gets
 *    the small model frame, then an update with the display frame as soon as one arrives;
 *  - otherwise the model frame itself, with the letterbox padding cut away (small, but real and
 *    written with the row, so no stored event is ever without a picture). For page-captured
 *    sources the worker also asks the page that sent the frame for a full-size JPEG
 *    ('snapshot-request'); the page's answer ('track-snapshot') is decoded here, the box drawn and
 *    the crop cut as for the others, and sent as an update that replaces the small one. An answer
 *    for a track that has ended, or that was not asked for, is ignored (counted); one that is not a
 *    JPEG within the limits is refused with a line on stderr (counted), and the event keeps what it has.
 */
import jpeg from 'jpeg-js';
import { Tracker, type TrackChange, type TrackInput } from './tracking/tracker';
import type { EventFilters, TrackerOptions, TrackMessage } from '../shared/contracts/events';
import { decodeTrackSnapshot, type Letterbox, type SnapshotRequestMessage, type TrackSnapshotMessage } from '../shared/contracts/frames';
import type { WorkerStats } from '../shared/contracts/worker';
import { renderSnapshots, type RawFrame } from '../node/snapshot';
import { checkImageSize, ImageError, imageHeaderSize, ImageTooLarge, type ImageLimits } from '../node/images';

/** The model frame a result answers: RGB, letterboxed. */
export interface ModelFrame {
  data: Uint8Array;
  width: number;
  height: number;
  letterbox: Letterbox;
}

export type SnapshotRequest = SnapshotRequestMessage;
export type PageSnapshotStats = NonNullable<WorkerStats['pageSnapshots']>;

/**
 * Limits on a page's JPEG, checked on the size its header declares before anything is decoded:
 * 4096 pixels a side (a 4K webcam's frames fit), 4096x4096 in all; jpeg-js's buffers at most 256 MB.
 */
const PAGE_SNAPSHOT_LIMITS: ImageLimits = { side: 4096, pixels: 4096 * 4096 };
/** The display frames ffmpeg writes are scaled down already; the same check keeps a stray one cheap. */
const DISPLAY_FRAME_LIMITS: ImageLimits = { side: 8192, pixels: 4096 * 4096 };
const DECODE_MAX_MB = 256;

/** A JPEG as RGBA pixels, refused (ImageError) from its header alone when it is over the limits. */
function decodeJpeg(bytes: Uint8Array, limits: ImageLimits): RawFrame {
  const header = imageHeaderSize(bytes);
  if (header.format !== 'jpeg') throw new ImageError('it is a PNG, not a JPEG');
  checkImageSize(header.width, header.height, limits);
  const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: limits.pixels / 1e6, maxMemoryUsageInMB: DECODE_MAX_MB });
  if (!decoded.width || !decoded.height) throw new Error('it has no picture');
  return { width: decoded.width, height: decoded.height, channels: 4, data: decoded.data };
}

export interface WorkerEventsOptions {
  cameraId: string;
  filters: EventFilters;
  tracker?: Partial<TrackerOptions>;
  defaultLabel: string;
  /** The model's default score a track must reach to make an event (Tracker). */
  threshold?: number;
  send(message: TrackMessage): void;
  /** How often to end tracks when no frames arrive. */
  tickMs?: number;
  /** The source writes display frames (setPreview): an engine-side camera. */
  displayFrames?: boolean;
}

/** The picture inside the letterbox, as its own RGB frame. */
export function unletterbox(frame: ModelFrame): RawFrame {
  const x0 = Math.round(frame.letterbox.x * frame.width);
  const y0 = Math.round(frame.letterbox.y * frame.height);
  const w = Math.max(1, Math.min(frame.width - x0, Math.round(frame.letterbox.w * frame.width)));
  const h = Math.max(1, Math.min(frame.height - y0, Math.round(frame.letterbox.h * frame.height)));
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(frame.data.subarray(((y0 + y) * frame.width + x0) * 3, ((y0 + y) * frame.width + x0 + w) * 3), y * w * 3);
  return { width: w, height: h, channels: 3, data: out };
}

export class WorkerEvents {
  private readonly tracker: Tracker;
  private preview: Uint8Array | null = null;
  private readonly timer: NodeJS.Timeout;
  /** Tracks whose picture was asked of the page and has not come yet. */
  private readonly asked = new Set<number>();
  /** Engine-side: tracks whose snapshot was taken before any display frame had come. */
  private readonly awaitingDisplay = new Set<number>();
  private readonly counts: PageSnapshotStats = { requested: 0, stored: 0, unknownTrack: 0, unrequested: 0, invalid: 0 };

  constructor(private readonly options: WorkerEventsOptions) {
    this.tracker = new Tracker(options.cameraId, options.tracker, options.filters, options.defaultLabel, options.threshold);
    const tickMs = options.tickMs ?? 250;
    let lastTick = Date.now();
    this.timer = setInterval(() => {
      // A tick that comes late means this thread was busy (a snapshot, a slow inference): the
      // frames that queued meanwhile are seen first, or a track would end for frames not yet read.
      const now = Date.now();
      const late = now - lastTick > 2 * tickMs;
      lastTick = now;
      if (!late) this.forward(this.tracker.tick(now), null, null);
    }, tickMs);
    this.timer.unref();
  }

  /** The latest display frame of an engine-side source (a JPEG). */
  setPreview(jpegBytes: Uint8Array): void {
    this.preview = jpegBytes;
    if (this.awaitingDisplay.size === 0) return;
    const picture = this.decodePreview();
    for (const trackId of this.awaitingDisplay) {
      const track = this.tracker.info(trackId);
      if (track && picture) this.options.send({ type: 'track', kind: 'update', track, ...renderSnapshots(picture, track.box) });
    }
    this.awaitingDisplay.clear();
  }

  /** A frame not inferred because nothing moved: the tracks stay (Tracker.hold). */
  hold(now: number): void {
    this.tracker.hold(now);
  }

  /** Some track still needs inference on every frame (Tracker.active). */
  active(): boolean {
    return this.tracker.active();
  }

  setFilters(filters: EventFilters): void {
    this.forward(this.tracker.setFilters(filters), null, null);
  }

  /**
   * One result. `reply` reaches whoever sent the frame: a page that can answer a snapshot request.
   * Returns the snapshot requests sent, for the caller's stats.
   */
  observe(now: number, detections: readonly TrackInput[], frame: ModelFrame, reply: ((m: SnapshotRequest) => void) | null): number {
    return this.forward(this.tracker.update(now, detections), frame, reply);
  }

  /**
   * A page's picture for a track, validated (desktop: the port's message) or as the bytes main
   * forwarded (serve mode). Stored as an update carrying the full-size snapshot and its crop.
   */
  receiveSnapshot(input: TrackSnapshotMessage | { type: 'track-snapshot-bytes'; data: Uint8Array }): void {
    let message: TrackSnapshotMessage;
    if (input.type === 'track-snapshot-bytes') {
      const decoded = decodeTrackSnapshot(input.data);
      if (!decoded.ok) return this.refuse(`a track snapshot was refused: ${decoded.error}`);
      message = decoded.snapshot;
    } else message = input;
    if (message.cameraId !== this.options.cameraId) return this.refuse(`a track snapshot for camera ${message.cameraId} was refused`);
    const track = this.tracker.info(message.trackId);
    if (!track) {
      this.counts.unknownTrack++;
      return;
    }
    if (!this.asked.delete(message.trackId)) {
      this.counts.unrequested++;
      return;
    }
    let picture: RawFrame;
    try {
      picture = decodeJpeg(message.jpeg, PAGE_SNAPSHOT_LIMITS);
    } catch (err) {
      const what = err instanceof ImageTooLarge ? 'is refused before decoding' : 'is not a JPEG that decodes';
      return this.refuse(`the page's snapshot for track ${message.trackId} ${what} (${(err as Error).message}); the event keeps its small snapshot`);
    }
    this.counts.stored++;
    this.options.send({ type: 'track', kind: 'update', track, ...renderSnapshots(picture, track.box) });
  }

  /** What became of the pictures asked of a page; undefined when none was ever asked or sent. */
  pageSnapshotStats(): PageSnapshotStats | undefined {
    return Object.values(this.counts).some((n) => n > 0) ? { ...this.counts } : undefined;
  }

  stop(): void {
    clearInterval(this.timer);
    this.forward(this.tracker.endAll(), null, null);
  }

  private forward(changes: TrackChange[], frame: ModelFrame | null, reply: ((m: SnapshotRequest) => void) | null): number {
    let requests = 0;
    for (const change of changes) {
      const message: TrackMessage = { type: 'track', kind: change.kind, track: change.track };
      if (change.kind === 'end') {
        this.asked.delete(change.track.trackId);
        this.awaitingDisplay.delete(change.track.trackId);
      }
      if (change.snapshot && frame) {
        Object.assign(message, this.render(frame, change.track.box));
        if (this.options.displayFrames && !this.preview) this.awaitingDisplay.add(change.track.trackId);
      }
      this.options.send(message);
      // After the track message: the engine knows the event before the page's picture can arrive.
      if (change.snapshot && frame && reply && !this.preview) {
        this.asked.add(change.track.trackId);
        this.counts.requested++;
        requests++;
        reply({ type: 'snapshot-request', cameraId: change.track.cameraId, trackId: change.track.trackId, box: change.track.box });
      }
    }
    return requests;
  }

  private refuse(reason: string): void {
    this.counts.invalid++;
    if (this.counts.invalid <= 5 || this.counts.invalid % 100 === 0) {
      process.stderr.write(`[camera ${this.options.cameraId}] ${reason} (${this.counts.invalid} refused so far)\n`);
    }
  }

  private render(frame: ModelFrame, box: TrackMessage['track']['box']): { snapshot?: Uint8Array; crop?: Uint8Array } {
    try {
      return renderSnapshots(this.decodePreview() ?? unletterbox(frame), box);
    } catch (err) {
      process.stderr.write(`[camera ${this.options.cameraId}] snapshot failed: ${(err as Error).message}\n`);
      return {};
    }
  }

  /** The latest display frame as pixels; null when there is none (or it does not decode: said on stderr). */
  private decodePreview(): RawFrame | null {
    if (!this.preview) return null;
    try {
      return decodeJpeg(this.preview, DISPLAY_FRAME_LIMITS);
    } catch (err) {
      process.stderr.write(`[camera ${this.options.cameraId}] a display frame did not decode: ${(err as Error).message}\n`);
      return null;
    }
  }
}
