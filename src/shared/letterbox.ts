/**
 * Letterboxing: fit a picture into the model's square input keeping its aspect ratio, as
 * MediaPipe's ImageToTensorCalculator does with keep_aspect_ratio. The padding is black.
 */
import type { Letterbox } from './contracts/frames';

export interface LetterboxPlan {
  /** Where the picture lands inside the target, in target pixels. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** The same rectangle as fractions of the target, as carried in a frame message. */
  normalized: Letterbox;
}

export function planLetterbox(srcW: number, srcH: number, dstW: number, dstH: number): LetterboxPlan {
  const scale = Math.min(dstW / srcW, dstH / srcH);
  const w = Math.max(1, Math.round(srcW * scale));
  const h = Math.max(1, Math.round(srcH * scale));
  const x = Math.floor((dstW - w) / 2);
  const y = Math.floor((dstH - h) / 2);
  return { x, y, w, h, normalized: { x: x / dstW, y: y / dstH, w: w / dstW, h: h / dstH } };
}

/**
 * Bilinear resize of an RGB or RGBA picture into a dstW x dstH RGB buffer, letterboxed.
 * Used where no canvas is at hand (CLI, tests, bench); the renderer does the same on an
 * OffscreenCanvas.
 */
export function letterboxRgb(
  src: Uint8Array,
  srcW: number,
  srcH: number,
  channels: 3 | 4,
  dstW: number,
  dstH: number,
): { data: Uint8Array; letterbox: Letterbox } {
  if (src.length < srcW * srcH * channels) throw new Error(`picture buffer too small for ${srcW}x${srcH}x${channels}`);
  const plan = planLetterbox(srcW, srcH, dstW, dstH);
  const out = new Uint8Array(dstW * dstH * 3);
  const sx = srcW / plan.w;
  const sy = srcH / plan.h;
  for (let oy = 0; oy < plan.h; oy++) {
    // Sample at pixel centres, as image libraries do.
    const fy = Math.min(Math.max((oy + 0.5) * sy - 0.5, 0), srcH - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcH - 1);
    const wy = fy - y0;
    for (let ox = 0; ox < plan.w; ox++) {
      const fx = Math.min(Math.max((ox + 0.5) * sx - 0.5, 0), srcW - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, srcW - 1);
      const wx = fx - x0;
      const i00 = (y0 * srcW + x0) * channels;
      const i01 = (y0 * srcW + x1) * channels;
      const i10 = (y1 * srcW + x0) * channels;
      const i11 = (y1 * srcW + x1) * channels;
      const o = ((oy + plan.y) * dstW + ox + plan.x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = src[i00 + c] * (1 - wx) + src[i01 + c] * wx;
        const bottom = src[i10 + c] * (1 - wx) + src[i11 + c] * wx;
        out[o + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { data: out, letterbox: plan.normalized };
}
