/**
 * Shows an engine-side camera (ffmpeg in its worker): each preview is a JPEG and the detections
 * computed on that same frame. The picture is decoded off the main thread (createImageBitmap),
 * painted on the tile's canvas, and only then are its detections handed to the overlay, so a box
 * is always drawn over the frame it was found in. A preview that arrives while one is decoding
 * replaces the waiting one: the newest wins.
 */
import type { PreviewMessage } from '../../../shared/contracts/sources';
import type { LatestResult } from '../state/store';

export class PreviewPlayer {
  readonly element: HTMLCanvasElement;
  private decoding = false;
  private waiting: PreviewMessage | null = null;
  private disposed = false;
  /** Previews painted, for the tile's fps badge. */
  private painted: number[] = [];

  constructor(
    readonly cameraId: string,
    private readonly onResult: (cameraId: string, latest: LatestResult) => void,
  ) {
    this.element = document.createElement('canvas');
    this.element.className = 'tile-media';
    this.element.dataset.testid = 'preview-canvas';
    this.element.dataset.cameraId = cameraId;
  }

  show(preview: PreviewMessage): void {
    if (this.disposed) return;
    if (this.decoding) {
      this.waiting = preview;
      return;
    }
    void this.paint(preview);
  }

  /** Frames painted a second over the last two seconds. */
  fps(now = performance.now()): number {
    this.painted = this.painted.filter((t) => now - t < 2000);
    return this.painted.length / 2;
  }

  private async paint(preview: PreviewMessage): Promise<void> {
    this.decoding = true;
    try {
      const bitmap = await createImageBitmap(new Blob([preview.jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }));
      if (!this.disposed) {
        const canvas = this.element;
        if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
          canvas.width = bitmap.width;
          canvas.height = bitmap.height;
        }
        canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
        canvas.dataset.frameId = String(preview.frameId);
        this.painted.push(performance.now());
        this.onResult(this.cameraId, {
          receivedAt: Date.now(),
          result: {
            type: 'result',
            cameraId: preview.cameraId,
            frameId: preview.frameId,
            detections: preview.detections,
            inferMs: 0,
            endToEndMs: Date.now() - preview.decodedAt,
            sourceWidth: preview.width,
            sourceHeight: preview.height,
          },
        });
      }
      bitmap.close();
    } catch {
      // A JPEG the browser cannot decode: skip it, the next one follows shortly.
    } finally {
      this.decoding = false;
      const next = this.waiting;
      this.waiting = null;
      if (next && !this.disposed) void this.paint(next);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.waiting = null;
    this.element.remove();
  }
}
