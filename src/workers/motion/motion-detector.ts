/**
 * Motion on small grey frames, the way Frigate finds it: each frame is blurred a little and
 * compared with a running average of the background; pixels that differ by more than `threshold`
 * (0..255) are dilated and grouped into boxes (connected components), and boxes smaller than
 * `minArea` (a share of the frame) are dropped. When most of the frame changes at once (lights
 * switched on, a camera's IR mode) the average starts again from this frame and the frame reports
 * no motion. Pixels inside a mask (polygons in the frame's 0..1 coordinates, as zones are drawn)
 * never count. The first frame only starts the average.
 */
import type { Box } from '../../shared/contracts/frames';
import { pointInPolygon } from '../tracking/zones';
import type { GreyFrame } from './grey-frame';

type Point = { x: number; y: number };

export interface MotionOptions {
  /** Smallest difference from the background that counts, 0..255. */
  threshold: number;
  /** Smallest motion box, as a share of the frame (0..1). */
  minArea: number;
  /** Polygons (0..1 of the frame) whose pixels never count. */
  masks: readonly (readonly Point[])[];
}

export const DEFAULT_MOTION: MotionOptions = { threshold: 30, minArea: 0.0005, masks: [] };

/** How fast the background follows the scene, per frame. */
const ALPHA = 0.01;
/** More than this share of the unmasked frame changing at once means: recalibrate. */
const RECALIBRATE_SHARE = 0.8;
/** Dilation passes (3x3) before grouping. */
const DILATE = 2;

export interface MotionResult {
  /** Motion boxes in the frame's 0..1 coordinates. */
  boxes: Box[];
  /** The background was (re)started on this frame: no motion is reported for it. */
  calibrated: boolean;
}

export class MotionDetector {
  private average: Float32Array | null = null;
  private size = { width: 0, height: 0 };
  private mask: Uint8Array | null = null;
  private blurred = new Uint8Array(0);
  private changed = new Uint8Array(0);
  private spare = new Uint8Array(0);
  private labels = new Int32Array(0);
  private queue = new Int32Array(0);

  constructor(private readonly options: MotionOptions = DEFAULT_MOTION) {}

  detect(frame: GreyFrame): MotionResult {
    const { width, height } = frame;
    const n = width * height;
    if (!this.average || width !== this.size.width || height !== this.size.height) this.resize(width, height);
    const blurred = blur(frame, this.blurred);
    const average = this.average!;
    if (this.uncalibrated) {
      this.restart(blurred);
      return { boxes: [], calibrated: true };
    }
    const mask = this.mask!;
    const changed = this.changed;
    let count = 0;
    let counted = 0;
    for (let i = 0; i < n; i++) {
      if (mask[i]) {
        changed[i] = 0;
        continue;
      }
      counted++;
      const hit = Math.abs(blurred[i] - average[i]) > this.options.threshold ? 1 : 0;
      changed[i] = hit;
      count += hit;
    }
    if (counted > 0 && count > RECALIBRATE_SHARE * counted) {
      this.restart(blurred);
      return { boxes: [], calibrated: true };
    }
    for (let i = 0; i < n; i++) average[i] += ALPHA * (blurred[i] - average[i]);
    if (count === 0) return { boxes: [], calibrated: false };
    let grown: Uint8Array = changed;
    for (let d = 0; d < DILATE; d++) grown = dilate(grown, d % 2 === 0 ? this.spare : this.changed, width, height);
    return { boxes: this.group(grown, width, height), calibrated: false };
  }

  private uncalibrated = true;

  private restart(blurred: Uint8Array): void {
    this.average!.set(blurred);
    this.uncalibrated = false;
  }

  private resize(width: number, height: number): void {
    const n = width * height;
    this.size = { width, height };
    this.average = new Float32Array(n);
    this.blurred = new Uint8Array(n);
    this.changed = new Uint8Array(n);
    this.spare = new Uint8Array(n);
    this.labels = new Int32Array(n);
    this.queue = new Int32Array(n);
    this.mask = new Uint8Array(n);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = { x: (x + 0.5) / width, y: (y + 0.5) / height };
        if (this.options.masks.some((polygon) => pointInPolygon(p, polygon))) this.mask[y * width + x] = 1;
      }
    }
    this.uncalibrated = true;
  }

  /** Connected components (8-neighbours) as boxes, those under minArea dropped. */
  private group(bits: Uint8Array, width: number, height: number): Box[] {
    const labels = this.labels;
    labels.fill(0);
    const queue = this.queue;
    const minPixels = this.options.minArea * width * height;
    const boxes: Box[] = [];
    let next = 0;
    for (let start = 0; start < bits.length; start++) {
      if (!bits[start] || labels[start]) continue;
      next++;
      let head = 0;
      let tail = 0;
      queue[tail++] = start;
      labels[start] = next;
      let x0 = width;
      let y0 = height;
      let x1 = -1;
      let y1 = -1;
      while (head < tail) {
        const i = queue[head++];
        const x = i % width;
        const y = (i - x) / width;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        for (let dy = -1; dy <= 1; dy++) {
          const ny = y + dy;
          if (ny < 0 || ny >= height) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const nx = x + dx;
            if (nx < 0 || nx >= width) continue;
            const j = ny * width + nx;
            if (bits[j] && !labels[j]) {
              labels[j] = next;
              queue[tail++] = j;
            }
          }
        }
      }
      const w = x1 - x0 + 1;
      const h = y1 - y0 + 1;
      if (w * h < minPixels) continue;
      boxes.push({ x: x0 / width, y: y0 / height, w: w / width, h: h / height });
    }
    return boxes;
  }
}

/** A 3x3 box blur (edges clamped): compression noise must not look like motion. */
function blur(frame: GreyFrame, out: Uint8Array): Uint8Array {
  const { data, width, height } = frame;
  for (let y = 0; y < height; y++) {
    const ya = Math.max(0, y - 1);
    const yb = Math.min(height - 1, y + 1);
    for (let x = 0; x < width; x++) {
      const xa = Math.max(0, x - 1);
      const xb = Math.min(width - 1, x + 1);
      let sum = 0;
      let count = 0;
      for (let yy = ya; yy <= yb; yy++) for (let xx = xa; xx <= xb; xx++, count++) sum += data[yy * width + xx];
      out[y * width + x] = Math.round(sum / count);
    }
  }
  return out;
}

/** One 3x3 dilation of `bits` into `out` (a different buffer). */
function dilate(bits: Uint8Array, out: Uint8Array, width: number, height: number): Uint8Array {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let on = 0;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1) && !on; yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
          if (bits[yy * width + xx]) {
            on = 1;
            break;
          }
        }
      }
      out[y * width + x] = on;
    }
  }
  return out;
}
