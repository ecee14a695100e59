/**
 * The bench's streams: each one is the test picture at a different place inside the model-sized
 * frame (and mirrored for more streams), so each stream has its own known answer. The expected
 * answer of every stream is computed once, with one interpreter and nothing shared; a result is
 * misattributed when its face is not the one of the stream it came back to.
 */
import { decodeImage } from '../../src/node/images';
import { letterboxRgb } from '../../src/shared/letterbox';
import type { Detection, Letterbox } from '../../src/shared/contracts/frames';

export const FULL_FRAME: Letterbox = { x: 0, y: 0, w: 1, h: 1 };

export interface StreamFrame {
  index: number;
  data: Uint8Array<ArrayBuffer>;
  width: number;
  height: number;
  letterbox: Letterbox;
  /** How the picture was placed: for the report. */
  placement: { x: number; y: number; size: number; mirrored: boolean };
}

export interface Expected {
  /** Centre of the top face, normalised to the frame. */
  cx: number;
  cy: number;
}

/** Candidate placements: the picture scaled to 3/4 of the frame, on a grid of offsets, then mirrored. */
export function makeStreamFrames(picture: string, width: number, height: number, count: number): StreamFrame[] {
  const image = decodeImage(picture);
  const size = Math.round(Math.min(width, height) * 0.75);
  const { data: small } = letterboxRgb(image.rgba, image.width, image.height, 4, size, size);
  const mirroredSmall = mirror(small, size, size);
  const steps = 5;
  const spanX = width - size;
  const spanY = height - size;
  const placements: StreamFrame['placement'][] = [];
  for (const mirrored of [false, true]) {
    for (let gy = 0; gy < steps; gy++) {
      for (let gx = 0; gx < steps; gx++) {
        placements.push({ x: Math.round((gx * spanX) / (steps - 1)), y: Math.round((gy * spanY) / (steps - 1)), size, mirrored });
      }
    }
  }
  // Spread the first few over the frame: a stride through the grid that is coprime with its size.
  const order: number[] = [];
  for (let i = 0; i < placements.length; i++) order.push((i * 7) % placements.length);
  const frames: StreamFrame[] = [];
  for (let i = 0; i < count; i++) {
    const placement = placements[order[i % order.length]];
    const src = placement.mirrored ? mirroredSmall : small;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < size; y++) {
      data.set(src.subarray(y * size * 3, (y + 1) * size * 3), ((y + placement.y) * width + placement.x) * 3);
    }
    frames.push({ index: i, data, width, height, letterbox: FULL_FRAME, placement });
  }
  return frames;
}

function mirror(rgb: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = (y * w + (w - 1 - x)) * 3;
      out[d] = rgb[s];
      out[d + 1] = rgb[s + 1];
      out[d + 2] = rgb[s + 2];
    }
  }
  return out;
}

export function topFace(detections: Array<Pick<Detection, 'score' | 'box'>>): Expected | null {
  let best: Pick<Detection, 'score' | 'box'> | null = null;
  for (const d of detections) if (!best || d.score > best.score) best = d;
  return best ? { cx: best.box.x + best.box.w / 2, cy: best.box.y + best.box.h / 2 } : null;
}

/**
 * Checks results against the expected answers. A stream whose picture repeats another's (more
 * streams than placements) accepts either, since the two cannot be told apart.
 */
export class Attribution {
  constructor(readonly expected: Array<Expected | null>) {}

  /** True when the answer belongs to the stream: its face is nearest to this stream's expected face. */
  isOwn(stream: number, detections: Array<Pick<Detection, 'score' | 'box'>>): boolean {
    const own = this.expected[stream];
    const got = topFace(detections);
    if (!own || !got) return own === got;
    const mine = dist(own, got);
    if (mine > 0.05) return false;
    for (let i = 0; i < this.expected.length; i++) {
      const other = this.expected[i];
      if (i === stream || !other) continue;
      if (dist(other, got) < mine && dist(other, own) > 1e-6) return false;
    }
    return true;
  }

  /** Smallest distance between two streams' expected faces (frame fractions). */
  minSeparation(): number {
    let min = Infinity;
    for (let i = 0; i < this.expected.length; i++) {
      for (let j = i + 1; j < this.expected.length; j++) {
        const a = this.expected[i];
        const b = this.expected[j];
        if (a && b && dist(a, b) > 1e-6) min = Math.min(min, dist(a, b));
      }
    }
    return min;
  }
}

function dist(a: Expected, b: Expected): number {
  return Math.hypot(a.cx - b.cx, a.cy - b.cy);
}
