/**
 * The camera worker's side of events. The worker sees every frame and every result whatever the
 * source, so tracking runs here: each result goes through the Tracker, and each track start, better
 * score, new zone or end goes to the engine as a validated 'track' message.
 *
 * Snapshots come from the best picture the worker has of that moment:
 *  - engine-side sources: the picture of the very frame that was detected (ffmpeg writes each
 *    model frame's picture at display size beside it, paired on the reader thread), the box drawn,
 *    encoded. Without one (no reader thread): the latest display frame (the preview JPEG); a track
 *    that starts before the first display frame has come gets the small model frame, then an
 *    update with the display frame as soon as one arrives;
 *  - otherwise the model frame itself, with the letterbox padding cut away (small, but real and
 *    written with the row, so no stored event is ever without a picture). For page-captured
 *    sources the worker also asks the page that sent the frame for a full-size JPEG
 *    ('snapshot-request'); the page's answer ('track-snapshot') is decoded here, the box drawn and
 *    the crop cut as for the others, and sent as an update that replaces the small one. An answer
 *    for a track that has ended, or that was not asked for, is ignored (counted); one that is not a
 *    JPEG within the limits is refused with a line on stderr (counted), and the event keeps what it has.
 *
 * Pictures are made by a SnapshotRenderer (the camera's snapshot thread, snapshot-thread.ts) when
 * one is given, so the inference thread does not decode, draw or encode; the track messages still
 * leave in the order the tracker made them (a message waits for its picture and for the ones
 * before it). Without one they are made here, at once.
 */
import { Tracker, type TrackChange, type TrackInput } from './tracking/tracker';
import type { EventFilters, TrackerOptions, TrackMessage } from '../shared/contracts/events';
import { decodeTrackSnapshot, type Letterbox, type SnapshotRequestMessage, type TrackSnapshotMessage } from '../shared/contracts/frames';
import type { WorkerStats } from '../shared/contracts/worker';
import type { RawFrame } from '../node/snapshot';
import { DISPLAY_FRAME_LIMITS, PAGE_SNAPSHOT_LIMITS, runSnapshotJob, type SnapshotJob, type SnapshotResult } from '../node/snapshot-job';
import type { SnapshotRenderer } from './snapshot-thread';

/** The model frame a result answers: RGB, letterboxed. */
export interface ModelFrame {
  data: Uint8Array;
  width: number;
  height: number;
  letterbox: Letterbox;
}

export type SnapshotRequest = SnapshotRequestMessage;
export type PageSnapshotStats = NonNullable<WorkerStats['pageSnapshots']>;

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
  /** Makes the pictures off this thread; without it they are made here, at once. */
  renderer?: SnapshotRenderer;
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
  /** The last message on its way (with a renderer): the next one leaves after it. */
  private outbox: Promise<void> = Promise.resolve();

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
    for (const trackId of this.awaitingDisplay) {
      const track = this.tracker.info(trackId);
      if (!track) continue;
      this.post({ type: 'track', kind: 'update', track }, { box: track.box, jpeg: { bytes: jpegBytes, limits: DISPLAY_FRAME_LIMITS } }, (result, message) => {
        if (!result.ok) this.say(`a display frame did not decode: ${result.error}`);
        return result.ok ? message : null;
      });
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
  observe(now: number, detections: readonly TrackInput[], frame: ModelFrame, reply: ((m: SnapshotRequest) => void) | null, picture?: RawFrame | null): number {
    return this.forward(this.tracker.update(now, detections), frame, reply, picture ?? null);
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
    const trackId = message.trackId;
    this.post({ type: 'track', kind: 'update', track }, { box: track.box, jpeg: { bytes: message.jpeg, limits: PAGE_SNAPSHOT_LIMITS } }, (result, update) => {
      if (!result.ok) {
        const what = result.tooLarge ? 'is refused before decoding' : 'is not a JPEG that decodes';
        this.refuse(`the page's snapshot for track ${trackId} ${what} (${result.error}); the event keeps its small snapshot`);
        return null;
      }
      this.counts.stored++;
      return update;
    });
  }

  /** What became of the pictures asked of a page; undefined when none was ever asked or sent. */
  pageSnapshotStats(): PageSnapshotStats | undefined {
    return Object.values(this.counts).some((n) => n > 0) ? { ...this.counts } : undefined;
  }

  /** Ends every track; resolves when the last message has left. */
  stop(): Promise<void> {
    clearInterval(this.timer);
    this.forward(this.tracker.endAll(), null, null);
    return this.outbox;
  }

  /**
   * Sends a track message, with the picture `job` makes when there is one. `accept` may change or
   * drop the message once the picture is made (or failed). With a renderer the message waits for
   * its picture and for every message before it; without one it leaves now. `after` runs once it has left.
   */
  private post(message: TrackMessage, job: SnapshotJob | null, accept?: (result: SnapshotResult, message: TrackMessage) => TrackMessage | null, after?: () => void): void {
    const finish = (result: SnapshotResult | null) => {
      let out: TrackMessage | null = message;
      if (result?.ok) out = { ...message, snapshot: result.snapshot, crop: result.crop };
      if (result && accept) out = accept(result, out);
      else if (result && !result.ok) this.say(`snapshot failed: ${result.error}`);
      if (out) this.options.send(out);
      after?.();
    };
    const renderer = this.options.renderer;
    if (!renderer) return finish(job ? runSnapshotJob(job) : null);
    const rendered = job ? renderer.render(job) : null;
    // A message that cannot be sent is said and dropped; the ones after it still go.
    this.outbox = this.outbox.then(async () => finish(rendered ? await rendered : null)).catch((err: unknown) => this.say(`a track message was not sent: ${(err as Error).message}`));
  }

  private say(text: string): void {
    process.stderr.write(`[camera ${this.options.cameraId}] ${text}\n`);
  }

  /** `picture`: the frame's own picture at display size (engine-side cameras), the snapshot's first choice. */
  private forward(changes: TrackChange[], frame: ModelFrame | null, reply: ((m: SnapshotRequest) => void) | null, picture: RawFrame | null = null): number {
    let requests = 0;
    for (const change of changes) {
      const message: TrackMessage = { type: 'track', kind: change.kind, track: change.track };
      if (change.kind === 'end') {
        this.asked.delete(change.track.trackId);
        this.awaitingDisplay.delete(change.track.trackId);
      }
      // After the track message has left: the engine knows the event before the page's picture can arrive.
      let ask: (() => void) | undefined;
      if (change.snapshot && frame && reply && !this.preview) {
        this.asked.add(change.track.trackId);
        this.counts.requested++;
        requests++;
        const { cameraId, trackId, box } = change.track;
        ask = () => reply({ type: 'snapshot-request', cameraId, trackId, box });
      }
      let job: SnapshotJob | null = null;
      if (change.snapshot && frame) {
        job = picture ? { box: change.track.box, raw: picture } : this.snapshotJob(frame, change.track.box);
        if (this.options.displayFrames && !this.preview && !picture) this.awaitingDisplay.add(change.track.trackId);
      }
      this.post(message, job, (result, out) => {
        if (result.ok && result.jpegError) this.say(`a display frame did not decode: ${result.jpegError}`);
        if (!result.ok) this.say(`snapshot failed: ${result.error}`);
        return out;
      }, ask);
    }
    return requests;
  }

  private refuse(reason: string): void {
    this.counts.invalid++;
    if (this.counts.invalid <= 5 || this.counts.invalid % 100 === 0) {
      process.stderr.write(`[camera ${this.options.cameraId}] ${reason} (${this.counts.invalid} refused so far)\n`);
    }
  }

  /** The latest display frame when there is one (the model frame if it does not decode), else the model frame. */
  private snapshotJob(frame: ModelFrame, box: TrackMessage['track']['box']): SnapshotJob {
    return { box, raw: unletterbox(frame), ...(this.preview ? { jpeg: { bytes: this.preview, limits: DISPLAY_FRAME_LIMITS } } : {}) };
  }
}
