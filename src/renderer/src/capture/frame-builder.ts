/**
 * Capture worker: turns one picture (a VideoFrame or an ImageBitmap) into the model's input, on an
 * OffscreenCanvas: letterboxed to width x height with black bars, then RGB bytes, 3 a pixel.
 */
import { planLetterbox } from '../../../shared/letterbox';
import type { FrameMessage } from '../../../shared/contracts/frames';

/** What the worker holds for one picture; release() lets it go (VideoFrames must be closed). */
export interface Picture {
  source: VideoFrame | ImageBitmap;
  width: number;
  height: number;
  release(): void;
}

export class FrameBuilder {
  private canvas: OffscreenCanvas | null = null;
  private context: OffscreenCanvasRenderingContext2D | null = null;

  build(picture: Picture, cameraId: string, frameId: number, width: number, height: number): FrameMessage | null {
    if (!picture.width || !picture.height) return null;
    const context = this.contextFor(width, height);
    if (!context) return null;
    const plan = planLetterbox(picture.width, picture.height, width, height);
    context.fillStyle = '#000';
    context.fillRect(0, 0, width, height);
    context.drawImage(picture.source, plan.x, plan.y, plan.w, plan.h);
    const rgba = context.getImageData(0, 0, width, height).data;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
      rgb[o] = rgba[i];
      rgb[o + 1] = rgba[i + 1];
      rgb[o + 2] = rgba[i + 2];
    }
    return {
      type: 'frame',
      cameraId,
      frameId,
      width,
      height,
      data: rgb,
      letterbox: plan.normalized,
      sourceWidth: picture.width,
      sourceHeight: picture.height,
      acceptedAt: Date.now(),
    };
  }

  private contextFor(width: number, height: number): OffscreenCanvasRenderingContext2D | null {
    if (this.canvas && this.canvas.width === width && this.canvas.height === height && this.context) return this.context;
    this.canvas = new OffscreenCanvas(width, height);
    this.context = this.canvas.getContext('2d', { willReadFrequently: true });
    if (this.context) this.context.imageSmoothingQuality = 'medium';
    return this.context;
  }
}
