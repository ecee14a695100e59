/**
 * The small grey frame motion is found on, reduced from the model frame the worker already has
 * (letterboxed RGB): only the picture inside the letterbox, averaged over whole blocks of pixels
 * so the result is about TARGET_HEIGHT pixels high, luma by the BT.601 weights in integers.
 * Reducing here costs a fraction of a millisecond a frame; docs/ffmpeg-plan.md compares it with a
 * grey output from ffmpeg.
 */
import type { Letterbox } from '../../shared/contracts/frames';

export const TARGET_HEIGHT = 100;

export interface GreyFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The grey frame of `rgb` (width x height x 3), inside `letterbox` (0..1 of the frame). */
export function greyFromModelFrame(rgb: Uint8Array, width: number, height: number, letterbox: Letterbox, targetHeight = TARGET_HEIGHT): GreyFrame {
  const x0 = Math.round(letterbox.x * width);
  const y0 = Math.round(letterbox.y * height);
  const w = Math.max(1, Math.min(width - x0, Math.round(letterbox.w * width)));
  const h = Math.max(1, Math.min(height - y0, Math.round(letterbox.h * height)));
  const k = Math.max(1, Math.floor(h / targetHeight));
  const gw = Math.max(1, Math.floor(w / k));
  const gh = Math.max(1, Math.floor(h / k));
  const out = new Uint8Array(gw * gh);
  if (k === 1) {
    for (let gy = 0; gy < gh; gy++) {
      let i = ((y0 + gy) * width + x0) * 3;
      const row = gy * gw;
      for (let gx = 0; gx < gw; gx++, i += 3) out[row + gx] = (77 * rgb[i] + 150 * rgb[i + 1] + 29 * rgb[i + 2]) >> 8;
    }
    return { data: out, width: gw, height: gh };
  }
  const n = k * k;
  for (let gy = 0; gy < gh; gy++) {
    for (let gx = 0; gx < gw; gx++) {
      let sum = 0;
      for (let dy = 0; dy < k; dy++) {
        let i = ((y0 + gy * k + dy) * width + x0 + gx * k) * 3;
        for (let dx = 0; dx < k; dx++, i += 3) sum += 77 * rgb[i] + 150 * rgb[i + 1] + 29 * rgb[i + 2];
      }
      out[gy * gw + gx] = (sum / n) >> 8;
    }
  }
  return { data: out, width: gw, height: gh };
}
