/**
 * The camera worker's side of events. The worker sees every frame and every result whatever the
 * source, so tracking runs here: each result goes through the Tracker, and each track start, better
 * score, new zone or end goes to the engine as a validated 'track' message.
 *
 * Snapshots come from the best picture the worker has of that moment:
 *  - engine-side sources: the latest display frame (the preview JPEG ffmpeg writes), decoded,
 *    the box drawn, re-encoded;
 *  - otherwise the model frame itself, with the letterbox padding cut away (small, but real and
 *    written with the row, so no stored event is ever without a picture). For page-captured
 *    sources the worker also asks the page for a full-size JPEG ('snapshot-request'); what the page
 *    sends back replaces the small one.
 */
import jpeg from 'jpeg-js';
import { Tracker, type TrackChange, type TrackInput } from '../shared/events/tracker';
import type { EventFilters, TrackerOptions, TrackMessage } from '../shared/contracts/events';
import type { Letterbox } from '../shared/contracts/frames';
import { renderSnapshots, type RawFrame } from '../engine/events/snapshot';

/** The model frame a result answers: RGB, letterboxed. */
export interface ModelFrame {
  data: Uint8Array;
  width: number;
  height: number;
  letterbox: Letterbox;
}

export interface SnapshotRequest {
  type: 'snapshot-request';
  cameraId: string;
  trackId: number;
  box: TrackMessage['track']['box'];
}

export interface WorkerEventsOptions {
  cameraId: string;
  filters: EventFilters;
  tracker?: Partial<TrackerOptions>;
  defaultLabel: string;
  send(message: TrackMessage): void;
  /** How often to end tracks when no frames arrive. */
  tickMs?: number;
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

  constructor(private readonly options: WorkerEventsOptions) {
    this.tracker = new Tracker(options.cameraId, options.tracker, options.filters, options.defaultLabel);
    this.timer = setInterval(() => this.forward(this.tracker.tick(Date.now()), null, null), options.tickMs ?? 250);
    this.timer.unref();
  }

  /** The latest display frame of an engine-side source (a JPEG). */
  setPreview(jpegBytes: Uint8Array): void {
    this.preview = jpegBytes;
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

  /** A JPEG the page captured for a track: forwarded as an update carrying it. */
  pageSnapshot(trackId: number, snapshot: Uint8Array, crop: Uint8Array | undefined): boolean {
    const track = this.tracker.info(trackId);
    if (!track) return false;
    this.options.send({ type: 'track', kind: 'update', track, snapshot, ...(crop ? { crop } : {}) });
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
    this.forward(this.tracker.endAll(), null, null);
  }

  private forward(changes: TrackChange[], frame: ModelFrame | null, reply: ((m: SnapshotRequest) => void) | null): number {
    let requests = 0;
    for (const change of changes) {
      const message: TrackMessage = { type: 'track', kind: change.kind, track: change.track };
      if (change.snapshot && frame) {
        Object.assign(message, this.render(frame, change.track.box));
        if (!this.preview && reply) {
          reply({ type: 'snapshot-request', cameraId: change.track.cameraId, trackId: change.track.trackId, box: change.track.box });
          requests++;
        }
      }
      this.options.send(message);
    }
    return requests;
  }

  private render(frame: ModelFrame, box: TrackMessage['track']['box']): { snapshot?: Uint8Array; crop?: Uint8Array } {
    try {
      let picture: RawFrame;
      if (this.preview) {
        const decoded = jpeg.decode(this.preview, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
        picture = { width: decoded.width, height: decoded.height, channels: 4, data: decoded.data };
      } else picture = unletterbox(frame);
      return renderSnapshots(picture, box);
    } catch (err) {
      process.stderr.write(`[camera ${this.options.cameraId}] snapshot failed: ${(err as Error).message}\n`);
      return {};
    }
  }
}
