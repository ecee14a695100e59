/**
 * Turns one camera's per-frame detections into tracks. Pure: it runs inside the camera worker,
 * which sees every frame and every result whatever the source.
 *
 * - Detections continue a track of the same label when their boxes overlap (IoU >= minIou) or
 *   their centres are within maxJump box sizes, matched greedily, best overlap and nearest first.
 * - A track becomes an event once seen in minFrames frames in a row, once its score has reached
 *   the threshold (filters.threshold, else the model's default): the median of its last
 *   SCORE_HISTORY scores, or the best such median so far, as Frigate's min_score/threshold pair
 *   does, so a box flickering near the detection threshold makes no event while a steady one
 *   does; and, when the camera has required zones, once it has entered one. It ends once unseen for maxMissingMs in at least
 *   MISSED_TO_END inferred frames: time without frames (a busy machine, a stalled source or page) is
 *   not evidence that it left, so silence alone ends it only after SILENCE_FACTOR × maxMissingMs.
 *   A frame the worker did not infer because nothing moved (hold) counts as seeing every confirmed
 *   track where it was.
 * - The best score and its box are kept; a better score (by IMPROVE_BY, at most once per
 *   UPDATE_EVERY_MS) or a newly entered zone is reported as an update.
 */
import type { Box } from '../../shared/contracts/frames';
import type { EventFilters, TrackerOptions, TrackInfo } from '../../shared/contracts/events';
import { DEFAULT_EVENT_FILTERS, DEFAULT_TRACKER_OPTIONS } from '../../shared/contracts/events';
import { iou } from '../geometry';
import { zonesOf } from './zones';
import { labelKey } from '../../shared/labels';

export const IMPROVE_BY = 0.02;
export const UPDATE_EVERY_MS = 1000;
/** A track whose box overlaps its previous one at least this much (IoU) stands still. */
export const STILL_IOU = 0.9;
/** Inferred frames that must miss a confirmed track, besides maxMissingMs, before it ends. */
export const MISSED_TO_END = 2;
/** With no inferred frame at all, a track ends after this many times maxMissingMs. */
export const SILENCE_FACTOR = 5;
/** Scores a track's median is taken over. */
export const SCORE_HISTORY = 10;

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface TrackInput {
  label?: string;
  score: number;
  box: Box;
}

export interface TrackChange {
  kind: 'start' | 'update' | 'end';
  track: TrackInfo;
  /** The sender should attach a snapshot of the current frame (start and better score). */
  snapshot: boolean;
}

interface Track {
  id: number;
  label: string;
  firstSeen: number;
  lastSeen: number;
  /** lastSeen, or the last frame without motion after it (hold): what maxMissingMs counts from. */
  lastAlive: number;
  /** Inferred frames since lastAlive that did not see it. */
  missed: number;
  /** Its box moved between its last two sightings. */
  moved: boolean;
  hits: number;
  box: Box;
  best: { score: number; box: Box };
  /** Its last SCORE_HISTORY scores, and the best median of them so far. */
  scores: number[];
  computedScore: number;
  lastReportAt: number;
  zones: string[];
  started: boolean;
}

/** Distance between the boxes' centres, in sizes of the larger box. */
export function centreJump(a: Box, b: Box): number {
  const dx = a.x + a.w / 2 - (b.x + b.w / 2);
  const dy = a.y + a.h / 2 - (b.y + b.h / 2);
  return Math.hypot(dx, dy) / Math.max(a.w, a.h, b.w, b.h, 1e-6);
}

export class Tracker {
  private tracks: Track[] = [];
  private nextId = 1;
  /** When update() last ran: the tracks seen then are the ones a frame without motion holds. */
  private lastUpdateAt = -Infinity;
  private options: TrackerOptions;
  private filters: EventFilters;

  constructor(
    private readonly cameraId: string,
    options: Partial<TrackerOptions> = {},
    filters: EventFilters = DEFAULT_EVENT_FILTERS,
    private readonly defaultLabel = 'object',
    /** The model's default for filters.threshold. */
    private readonly defaultThreshold = 0,
  ) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options };
    this.filters = filters;
  }

  /** New filters apply from the next frame; switching events off ends every live track. */
  setFilters(filters: EventFilters): TrackChange[] {
    this.filters = filters;
    return filters.enabled ? [] : this.endAll();
  }

  /** One frame's detections, at time `now` (ms). */
  update(now: number, detections: readonly TrackInput[]): TrackChange[] {
    if (!this.filters.enabled) return [];
    this.lastUpdateAt = now;
    const kept = detections.filter((d) => d.score >= this.filters.minScore && d.box.w * d.box.h >= this.filters.minArea);
    const changes: TrackChange[] = [];
    const matched = new Set<Track>();
    const unmatched: TrackInput[] = [];
    const pairs: { track: Track; det: TrackInput; affinity: number }[] = [];
    for (const det of kept) {
      const label = this.labelOf(det);
      for (const track of this.tracks) {
        if (track.label !== label) continue;
        const overlap = iou(track.box, det.box);
        const jump = centreJump(track.box, det.box);
        if (overlap >= this.options.minIou || jump <= this.options.maxJump) pairs.push({ track, det, affinity: overlap + 1 / (1 + jump) });
      }
    }
    pairs.sort((a, b) => b.affinity - a.affinity);
    const used = new Set<TrackInput>();
    for (const { track, det } of pairs) {
      if (matched.has(track) || used.has(det)) continue;
      matched.add(track);
      used.add(det);
      const change = this.continueTrack(track, det, now);
      if (change) changes.push(change);
    }
    for (const det of kept) if (!used.has(det)) unmatched.push(det);

    // A tentative track must be seen in consecutive frames; a confirmed one survives until gone().
    const survivors: Track[] = [];
    for (const track of this.tracks) {
      if (matched.has(track)) survivors.push(track);
      else if (track.hits < this.options.minFrames) continue;
      else {
        track.missed++;
        if (this.gone(track, now)) {
          if (track.started) changes.push(this.change('end', track, false));
        } else survivors.push(track);
      }
    }
    this.tracks = survivors;
    for (const det of unmatched) {
      const track: Track = {
        id: this.nextId++,
        label: this.labelOf(det),
        firstSeen: now,
        lastSeen: now,
        lastAlive: now,
        missed: 0,
        moved: true,
        hits: 1,
        box: det.box,
        best: { score: det.score, box: det.box },
        scores: [det.score],
        computedScore: det.score,
        lastReportAt: now,
        zones: zonesOf(det.box, this.filters.zones),
        started: false,
      };
      this.tracks.push(track);
      const change = this.maybeStart(track, now);
      if (change) changes.push(change);
    }
    return changes;
  }

  /**
   * Ends the tracks that are gone: call it between frames. A tick is not a frame: it does not
   * break a tentative track's run of consecutive frames (a camera at 2 fps must still make
   * events) and counts no missed frame. It ends a track that frames already missed once
   * maxMissingMs has passed, a tentative one unseen for maxMissingMs, and any track after a
   * silence of SILENCE_FACTOR × maxMissingMs with no frame.
   */
  tick(now: number): TrackChange[] {
    const changes: TrackChange[] = [];
    this.tracks = this.tracks.filter((track) => {
      const tentativeGone = track.hits < this.options.minFrames && now - track.lastAlive > this.options.maxMissingMs;
      if (!tentativeGone && !this.gone(track, now)) return true;
      if (track.started) changes.push(this.change('end', track, false));
      return false;
    });
    return changes;
  }

  /** Unseen for maxMissingMs by at least MISSED_TO_END frames, or silent for far longer. */
  private gone(track: Track, now: number): boolean {
    const unseen = now - track.lastAlive;
    if (unseen > SILENCE_FACTOR * this.options.maxMissingMs) return true;
    return unseen > this.options.maxMissingMs && track.missed >= MISSED_TO_END;
  }

  /**
   * A frame at `now` that was not inferred because nothing in it moved: every confirmed track the
   * last inference saw is still where it was, so none ends for want of inference (the periodic
   * one checks them again). A track the last inference missed is not held: the frame counts as
   * one more that missed it, and it ends as usual.
   */
  hold(now: number): void {
    for (const t of this.tracks) {
      if (t.hits < this.options.minFrames) continue;
      if (t.lastSeen !== this.lastUpdateAt) {
        t.missed++; // a frame came and the last inference did not see it: it counts as a miss
        continue;
      }
      t.lastAlive = Math.max(t.lastAlive, now);
      t.missed = 0;
    }
  }

  /** A track still needs inference on every frame: not yet confirmed, or it moved when last seen. */
  active(): boolean {
    return this.tracks.some((t) => t.hits < this.options.minFrames || t.moved);
  }

  /** Ends every live track now (camera removed, events switched off, worker stopping). */
  endAll(): TrackChange[] {
    const ended = this.tracks.filter((t) => t.started).map((t) => this.change('end', t, false));
    this.tracks = [];
    return ended;
  }

  /** A live (started) track as last reported, or undefined. */
  info(trackId: number): TrackInfo | undefined {
    const t = this.tracks.find((x) => x.id === trackId && x.started);
    return t ? this.change('update', t, false).track : undefined;
  }

  /** Live (started) tracks per label. */
  liveCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const t of this.tracks) if (t.started) counts.set(t.label, (counts.get(t.label) ?? 0) + 1);
    return counts;
  }

  private continueTrack(track: Track, det: TrackInput, now: number): TrackChange | null {
    track.hits++;
    track.lastSeen = now;
    track.lastAlive = now;
    track.missed = 0;
    track.moved = iou(track.box, det.box) < STILL_IOU;
    track.box = det.box;
    track.scores.push(det.score);
    if (track.scores.length > SCORE_HISTORY) track.scores.shift();
    track.computedScore = Math.max(track.computedScore, median(track.scores));
    let newZone = false;
    for (const name of zonesOf(det.box, this.filters.zones)) {
      if (!track.zones.includes(name)) {
        track.zones.push(name);
        newZone = true;
      }
    }
    const better = det.score >= track.best.score + IMPROVE_BY && now - track.lastReportAt >= UPDATE_EVERY_MS;
    if (!track.started) {
      // Until it starts, the best is this frame: the start's snapshot is taken from it.
      track.best = { score: det.score, box: det.box };
      return this.maybeStart(track, now);
    }
    if (better) track.best = { score: det.score, box: det.box };
    if (!better && !newZone) return null;
    track.lastReportAt = now;
    return this.change('update', track, better);
  }

  private maybeStart(track: Track, now: number): TrackChange | null {
    if (track.hits < this.options.minFrames) return null;
    if (track.computedScore < (this.filters.threshold ?? this.defaultThreshold)) return null;
    const required = this.filters.zones.filter((z) => z.required).map((z) => z.name);
    if (required.length > 0 && !track.zones.some((z) => required.includes(z))) return null;
    track.started = true;
    track.lastReportAt = now;
    return this.change('start', track, true);
  }

  private labelOf(det: TrackInput): string {
    return labelKey(det.label ?? this.defaultLabel);
  }

  private change(kind: TrackChange['kind'], t: Track, snapshot: boolean): TrackChange {
    return {
      kind,
      snapshot,
      track: {
        cameraId: this.cameraId,
        trackId: t.id,
        label: t.label,
        start: t.firstSeen,
        lastSeen: t.lastSeen,
        score: t.best.score,
        box: t.best.box,
        zones: [...t.zones],
      },
    };
  }
}
