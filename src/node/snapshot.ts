/**
 * Snapshot JPEGs for an event, from a frame the sender has (a camera worker's display frame): the
 * full frame with the box drawn, and a crop around the box taken before drawing. Pure JS (jpeg-js),
 * so it runs in the camera worker without native code.
 */
import jpeg from 'jpeg-js';
import type { Box } from '../shared/contracts/frames';

export interface RawFrame {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA) bytes a pixel, rows top to bottom. */
  channels: 3 | 4;
  data: Uint8Array;
}

export const BOX_COLOUR = [0, 230, 118] as const;
/** The crop reaches this fraction of the box's size beyond each side. */
const CROP_MARGIN = 0.25;

function toRgba(frame: RawFrame): Uint8Array {
  if (frame.channels === 4) return Uint8Array.from(frame.data.subarray(0, frame.width * frame.height * 4));
  const n = frame.width * frame.height;
  const out = new Uint8Array(n * 4);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i * 4] = frame.data[j];
    out[i * 4 + 1] = frame.data[j + 1];
    out[i * 4 + 2] = frame.data[j + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** The box in whole pixels, clipped to the frame, at least one pixel. */
export function pixelRect(box: Box, width: number, height: number, margin = 0) {
  const mx = box.w * margin;
  const my = box.h * margin;
  const x0 = Math.max(0, Math.floor((box.x - mx) * width));
  const y0 = Math.max(0, Math.floor((box.y - my) * height));
  const x1 = Math.min(width, Math.max(x0 + 1, Math.ceil((box.x + box.w + mx) * width)));
  const y1 = Math.min(height, Math.max(y0 + 1, Math.ceil((box.y + box.h + my) * height)));
  return { x0: Math.min(x0, width - 1), y0: Math.min(y0, height - 1), x1, y1 };
}

function crop(rgba: Uint8Array, width: number, r: ReturnType<typeof pixelRect>): { data: Uint8Array; width: number; height: number } {
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) out.set(rgba.subarray(((r.y0 + y) * width + r.x0) * 4, ((r.y0 + y) * width + r.x1) * 4), y * w * 4);
  return { data: out, width: w, height: h };
}

function drawRect(rgba: Uint8Array, width: number, height: number, r: ReturnType<typeof pixelRect>): void {
  const t = Math.max(2, Math.round(Math.min(width, height) / 200));
  const paint = (x: number, y: number) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 4;
    rgba[i] = BOX_COLOUR[0];
    rgba[i + 1] = BOX_COLOUR[1];
    rgba[i + 2] = BOX_COLOUR[2];
  };
  for (let k = 0; k < t; k++) {
    for (let x = r.x0; x < r.x1; x++) {
      paint(x, r.y0 + k);
      paint(x, r.y1 - 1 - k);
    }
    for (let y = r.y0; y < r.y1; y++) {
      paint(r.x0 + k, y);
      paint(r.x1 - 1 - k, y);
    }
  }
}

export function renderSnapshots(frame: RawFrame, box: Box, quality = 80): { snapshot: Uint8Array; crop: Uint8Array } {
  const rgba = toRgba(frame);
  const { width, height } = frame;
  const cropped = crop(rgba, width, pixelRect(box, width, height, CROP_MARGIN));
  drawRect(rgba, width, height, pixelRect(box, width, height));
  const encode = (img: { data: Uint8Array; width: number; height: number }) =>
    new Uint8Array(jpeg.encode({ data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), width: img.width, height: img.height }, quality).data);
  return { snapshot: encode({ data: rgba, width, height }), crop: encode(cropped) };
}
