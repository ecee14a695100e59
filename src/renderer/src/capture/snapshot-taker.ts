/**
 * Capture worker: full-size pictures for a camera's tracks. When the camera's engine worker asks
 * (a track started or its score improved), the next picture the source delivers is copied at its
 * own size onto an OffscreenCanvas and encoded as a JPEG (convertToBlob, off the capture path), and
 * the one JPEG answers every track that was waiting. At most one picture is being encoded per
 * camera; requests that arrive meanwhile wait for the next picture. Nothing here holds a picture:
 * the copy is made at once and the caller releases the picture as usual.
 */
import { MAX_TRACK_SNAPSHOT_BYTES, type SnapshotRequestMessage, type TrackSnapshotMessage } from '../../../shared/contracts/frames';
import type { Picture } from './frame-builder';

const QUALITY = 0.85;
/** A picture whose JPEG is over the limit at QUALITY is encoded once more at this quality. */
const FALLBACK_QUALITY = 0.6;
/** Tracks that can wait for a picture at once (a camera rarely has more new tracks in one moment). */
const MAX_WAITING = 16;

export class SnapshotTaker {
  private readonly waiting = new Set<number>();
  private cameraId = '';
  private busy = false;
  private canvas: OffscreenCanvas | null = null;
  private context: OffscreenCanvasRenderingContext2D | null = null;
  /** Pictures sent, and pictures that could not be made (too large, or the encoder failed). */
  sent = 0;
  failed = 0;

  constructor(private readonly deliver: (message: TrackSnapshotMessage) => void) {}

  request(request: SnapshotRequestMessage): void {
    if (request.cameraId !== this.cameraId) this.waiting.clear();
    this.cameraId = request.cameraId;
    if (this.waiting.size < MAX_WAITING) this.waiting.add(request.trackId);
  }

  /** The camera changed or went: nothing waiting is answered. */
  clear(): void {
    this.waiting.clear();
  }

  /** Each picture the source delivers, before it is used for a frame: copied when one is wanted. */
  offer(picture: Picture): void {
    if (this.waiting.size === 0 || this.busy || !picture.width || !picture.height) return;
    const context = this.contextFor(picture.width, picture.height);
    if (!context || !this.canvas) return;
    context.drawImage(picture.source, 0, 0, picture.width, picture.height);
    const trackIds = [...this.waiting];
    this.waiting.clear();
    this.busy = true;
    void this.encode(this.canvas, this.cameraId, trackIds)
      .catch(() => {
        this.failed++;
      })
      .finally(() => {
        this.busy = false;
      });
  }

  private async encode(canvas: OffscreenCanvas, cameraId: string, trackIds: number[]): Promise<void> {
    let blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
    if (blob.size > MAX_TRACK_SNAPSHOT_BYTES) blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: FALLBACK_QUALITY });
    if (blob.size > MAX_TRACK_SNAPSHOT_BYTES || blob.type !== 'image/jpeg') {
      this.failed++;
      return;
    }
    const jpeg = new Uint8Array(await blob.arrayBuffer());
    // Each message owns its bytes (they are transferred): the last track takes the original.
    trackIds.forEach((trackId, i) => {
      this.deliver({ type: 'track-snapshot', cameraId, trackId, jpeg: i === trackIds.length - 1 ? jpeg : jpeg.slice() });
      this.sent++;
    });
  }

  private contextFor(width: number, height: number): OffscreenCanvasRenderingContext2D | null {
    if (this.canvas && this.canvas.width === width && this.canvas.height === height && this.context) return this.context;
    this.canvas = new OffscreenCanvas(width, height);
    this.context = this.canvas.getContext('2d');
    return this.context;
  }
}
