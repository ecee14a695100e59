/** EngineHost's options and events (src/engine/host.ts), and how a snapshot is completed for renderers. */
import type { Logger } from './logger';
import type { ApiEvent, EngineSnapshot } from '../shared/contracts/engine-api';
import { ffmpegInfo } from './engine-sources';
import type { FramePortEnd } from './frame-ports';
import type { WorkerLauncher } from './launcher';
import type { SupervisorOptions } from './supervisor';

/** CPU and memory of one process as the host platform measures it (Electron's app.getAppMetrics). */
export interface ProcessMetrics {
  cpuPercent: number;
  rssBytes: number;
}

export interface EngineHostOptions {
  configFile: string;
  launcher: WorkerLauncher;
  /** Anything else for the supervisor (restart policy, calibration...). */
  supervisor?: Omit<SupervisorOptions, 'launcher' | 'settings' | 'createDataPort' | 'releaseDataPort'>;
  /**
   * Desktop: a new channel whose ends carry one camera's frames straight between a page and the
   * camera's worker (Electron's MessageChannelMain). Given, cameras' ports go to the clients that
   * take them (frame-ports.ts).
   */
  frameChannel?: () => { workerEnd: FramePortEnd; clientEnd: FramePortEnd };
  /** Per-pid metrics measured outside the workers; they replace the workers' own numbers. */
  processMetrics?: () => Map<number, ProcessMetrics>;
  /** Where the engine logs (the supervisor gets it too); default stderr. */
  log?: Logger;
  /** Where events and their snapshots are stored; without it, events are off (tests, bench). */
  eventsDir?: string;
}

export interface EngineHostEvents {
  /** Pushed to every connected renderer (connect()); listen here for anything else that wants them. */
  event: [ApiEvent];
}

/**
 * A snapshot as renderers get it: which ffmpeg engine-side cameras use, and the CPU and memory the
 * platform measured for each worker (Electron) in place of the workers' own figures.
 */
export function decorateSnapshot(raw: EngineSnapshot, metrics: Map<number, ProcessMetrics> | undefined): EngineSnapshot {
  const snapshot = { ...raw, ffmpeg: ffmpegInfo(raw.settings.ffmpegPath) };
  if (!metrics || metrics.size === 0) return snapshot;
  return {
    ...snapshot,
    cameras: snapshot.cameras.map((camera) => {
      const m = camera.pid !== null ? metrics.get(camera.pid) : undefined;
      return m ? { ...camera, cpuPercent: m.cpuPercent, rssBytes: m.rssBytes } : camera;
    }),
  };
}
