/**
 * Keeps one capture per camera in step with the store (cameras, config, capture assignment,
 * settings): a CaptureSender (with its capture worker) per camera id, and a CameraCapture per
 * source, replaced when the source changes. The source itself comes from the config: a snapshot
 * names only its kind and label. Hands each new FrameChannel to its camera's sender. A camera the engine
 * opens itself (stream, file, device) gets an EngineView instead (its own video through MSE, or JPEG previews), fed by the bridge:
 * this page captures nothing for it. Lives outside React: tiles only borrow the element a capture
 * or a player shows.
 */
import type { AppConfig, CameraSource } from '../../../shared/contracts/config';
import type { CameraStatus, EngineBridge, FrameChannel } from '../../../shared/contracts/engine-api';
import { isEngineSource } from '../../../shared/contracts/sources';
import { FrameBatcher } from '../state/schedule';
import { applyResults, removeCaptureStatus, store, type AppState, type LatestResult } from '../state/store';
import { Listeners } from '../bridge/events';
import { CameraCapture, sourceKey, type CaptureTarget } from './camera-capture';
import { EngineView, type ViewInfo } from './engine-view';
import type { LiveInitMessage } from '../../../shared/contracts/live';
import { CaptureSender } from './sender';
import { setMediaUrls } from './opener';

export class CaptureManager {
  private readonly captures = new Map<string, CameraCapture>();
  private readonly senders = new Map<string, CaptureSender>();
  private readonly players = new Map<string, EngineView>();
  private readonly earlyInits = new Map<string, LiveInitMessage>();
  private readonly channels = new Map<string, FrameChannel>();
  private readonly changed = new Listeners<string>();
  private readonly results = new FrameBatcher<string, LatestResult>((batch) => applyResults(batch));
  private lastCameras: CameraStatus[] | null = null;
  private lastConfig: AppConfig | null = null;
  private lastAssignment: string[] | null | undefined = undefined;
  private lastMaxInFlight = 0;
  private lastRemoving: ReadonlySet<string> | null = null;

  constructor(bridge: EngineBridge) {
    setMediaUrls((ref) => bridge.mediaUrl(ref));
    bridge.onFrameChannel((channel) => {
      this.channels.set(channel.cameraId, channel);
      this.senders.get(channel.cameraId)?.setChannel(channel);
    });
    bridge.onPreview((message) => {
      const view = this.players.get(message.cameraId);
      if (view) view.show(message);
      // A stream's init segment is sent once: one that comes before this page knows the camera is kept for its view.
      else if (message.type === 'live-init') this.earlyInits.set(message.cameraId, message);
    });
    store.subscribe((state) => this.sync(state));
    this.sync(store.getState());
    navigator.mediaDevices?.addEventListener?.('devicechange', () => {
      for (const capture of this.captures.values()) capture.onDeviceChange();
    });
  }

  /** The element showing this camera's picture (a <video>, an <img> for a still image, a canvas for a preview). */
  elementFor(cameraId: string): HTMLVideoElement | HTMLImageElement | HTMLCanvasElement | null {
    return this.players.get(cameraId)?.element ?? this.captures.get(cameraId)?.element ?? null;
  }

  /** Live-view frames a second shown for an engine-side camera, or null for a page-captured one. */
  previewFps(cameraId: string): number | null {
    return this.players.get(cameraId)?.fps() ?? null;
  }

  /** What an engine-side camera's tile shows (H.264 live, JPEG preview), its size and rate. */
  viewInfo(cameraId: string): ViewInfo | null {
    return this.players.get(cameraId)?.info() ?? null;
  }

  /** Called with a camera id when its element is replaced (the source changed). */
  onElementChange(listener: (cameraId: string) => void): () => void {
    return this.changed.add(listener);
  }

  private sync(state: AppState): void {
    const maxInFlight = state.settings?.maxInFlight ?? 1;
    if (
      state.cameras === this.lastCameras &&
      state.config === this.lastConfig &&
      state.assignment === this.lastAssignment &&
      maxInFlight === this.lastMaxInFlight &&
      state.removing === this.lastRemoving
    ) {
      return;
    }
    this.lastCameras = state.cameras;
    this.lastConfig = state.config;
    const sources = new Map<string, CameraSource>();
    for (const camera of state.config?.cameras ?? []) if (camera.id) sources.set(camera.id, camera.source);
    this.lastAssignment = state.assignment;
    this.lastMaxInFlight = maxInFlight;
    this.lastRemoving = state.removing;

    const seen = new Set<string>();
    const kept = new Set<string>();
    for (const status of state.cameras) {
      kept.add(status.id);
      // A camera being removed (undo still possible) stops capturing at once; its sender and
      // frame channel stay for an undo.
      if (state.removing.has(status.id)) {
        this.senders.get(status.id)?.pause();
        continue;
      }
      seen.add(status.id);
      if (isEngineSource(status.source)) {
        this.captures.get(status.id)?.dispose();
        this.captures.delete(status.id);
        if (!this.players.has(status.id)) {
          const id = status.id;
          const view = new EngineView(id, (cameraId, latest) => this.results.push(cameraId, latest), () => this.changed.emit(id));
          this.players.set(id, view);
          const early = this.earlyInits.get(id);
          this.earlyInits.delete(id);
          if (early) view.show(early);
          this.changed.emit(status.id);
        }
        continue;
      }
      const player = this.players.get(status.id);
      if (player) {
        player.dispose();
        this.players.delete(status.id);
      }
      let sender = this.senders.get(status.id);
      if (!sender) {
        sender = new CaptureSender(status.id, (id, latest) => this.results.push(id, latest));
        this.senders.set(status.id, sender);
        const channel = this.channels.get(status.id);
        if (channel) sender.setChannel(channel);
      }
      let capture = this.captures.get(status.id);
      // Not in the config (yet): a capture already open keeps its source; a new one waits for the config.
      const source = sources.get(status.id) ?? capture?.source;
      if (!source) {
        seen.delete(status.id);
        continue;
      }
      const target: CaptureTarget = {
        status,
        source,
        assigned: state.assignment === null || state.assignment.includes(status.id),
        maxInFlight,
      };
      if (capture && capture.sourceKey !== sourceKey(source)) {
        capture.dispose();
        capture = undefined;
      }
      if (!capture) {
        capture = new CameraCapture(target, sender);
        this.captures.set(status.id, capture);
        this.changed.emit(status.id);
      } else {
        capture.update(target);
      }
    }
    for (const [id, player] of this.players) {
      if (seen.has(id)) continue;
      player.dispose();
      this.players.delete(id);
      this.changed.emit(id);
    }
    for (const [id, capture] of this.captures) {
      if (seen.has(id)) continue;
      capture.dispose();
      this.captures.delete(id);
      removeCaptureStatus(id);
      this.changed.emit(id);
    }
    for (const [id, sender] of this.senders) {
      if (kept.has(id)) continue;
      sender.dispose();
      this.senders.delete(id);
      this.channels.delete(id);
    }
  }
}
