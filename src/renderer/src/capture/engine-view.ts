/**
 * What a page shows of an engine-side camera: the camera's own video through MSE (live-player.ts)
 * when this page can play its codec, else the JPEG previews (preview-player.ts), the fallback. The
 * overlay's results come from whichever is shown: the live view's results, or the detections each
 * JPEG carries.
 */
import type { LiveViewMessage } from '../../../shared/contracts/live';
import type { LatestResult } from '../state/store';
import { LivePlayer } from './live-player';
import { PreviewPlayer } from './preview-player';

export interface ViewInfo {
  /** What the tile says it shows: "H.264 live", "JPEG preview". */
  label: string;
  width: number | null;
  height: number | null;
  fps: number | null;
}

/** A codec string's everyday name. */
export function codecName(codec: string): string {
  if (/^avc[13]\./.test(codec)) return 'H.264';
  if (/^(hvc1|hev1)\./.test(codec)) return 'H.265';
  if (codec === 'mp4v.6c' || codec === 'mp4v.6d') return 'Motion JPEG';
  return codec;
}

export class EngineView {
  private readonly live: LivePlayer;
  private readonly preview: PreviewPlayer;
  private previewSize: { width: number; height: number } | null = null;

  constructor(
    readonly cameraId: string,
    onResult: (cameraId: string, latest: LatestResult) => void,
    onElementChange: () => void,
  ) {
    this.live = new LivePlayer(cameraId, onElementChange);
    // A JPEG's detections are the overlay's only while the JPEGs are what is shown.
    this.preview = new PreviewPlayer(cameraId, (id, latest) => {
      if (!this.live.playable) onResult(id, latest);
    });
    this.onResult = onResult;
  }

  private readonly onResult: (cameraId: string, latest: LatestResult) => void;

  get element(): HTMLVideoElement | HTMLCanvasElement {
    return this.live.playable ? this.live.element : this.preview.element;
  }

  show(message: LiveViewMessage): void {
    switch (message.type) {
      case 'preview':
        if (this.live.playable) return; // the video is shown: no JPEG to decode
        this.previewSize = { width: message.width, height: message.height };
        this.preview.show(message);
        return;
      case 'live-init':
        this.live.init(message);
        return;
      case 'live-media':
        this.live.media(message);
        return;
      case 'live-result':
        if (!this.live.playable) return;
        this.onResult(this.cameraId, {
          receivedAt: Date.now(),
          result: {
            type: 'result',
            cameraId: message.cameraId,
            frameId: message.frameId,
            detections: message.detections,
            inferMs: 0,
            endToEndMs: Date.now() - message.decodedAt,
            sourceWidth: message.sourceWidth,
            sourceHeight: message.sourceHeight,
          },
        });
    }
  }

  /** What is shown, at what size and rate; null before anything came. */
  info(): ViewInfo | null {
    const live = this.live.info;
    if (this.live.playable && live) return { label: `${codecName(live.codec)} live`, width: live.width, height: live.height, fps: live.fps };
    if (this.previewSize) return { label: 'JPEG preview', width: this.previewSize.width, height: this.previewSize.height, fps: this.preview.fps() };
    return null;
  }

  /** Pictures a second shown. */
  fps(): number {
    return this.live.playable ? (this.live.info?.fps ?? 0) : this.preview.fps();
  }

  dispose(): void {
    this.live.dispose();
    this.preview.dispose();
  }
}
