/**
 * One camera as the supervisor tracks it: its configuration, its current worker, its state and the
 * counters carried over from earlier worker lives. Plain state; the supervisor decides what happens.
 */
import { DEFAULT_MODEL } from '../shared/models';
import type { CameraConfig, DelegateName } from '../shared/contracts/config';
import type { CameraState } from '../shared/contracts/engine-api';
import type { ModelInfo, WorkerStats } from '../shared/contracts/worker';
import type { WorkerProcess } from './launcher';
import { resolveModel } from './paths';
import type { SourceState } from '../shared/contracts/sources';

export type CarriedCounters = Pick<WorkerStats, 'framesReceived' | 'framesInferred' | 'framesSkipped' | 'framesRejected' | 'messagesRejected'>;

export class Camera {
  config: CameraConfig & { id: string };
  modelChoice: string;
  state: CameraState = 'starting';
  error?: string;
  worker: WorkerProcess | null = null;
  modelInfo?: ModelInfo;
  modelPath = '';
  /** The second stage's model (face-mesh, pose landmarks), if the model has one. */
  landmarkPath?: string;
  threads = 1;
  delegate: DelegateName = 'none';
  restarts = 0;
  consecutiveFailures = 0;
  readyAt = 0;
  lastHeard = 0;
  startedAt = 0;
  restartTimer: NodeJS.Timeout | null = null;
  nextRestartAt?: number;
  stats: WorkerStats | null = null;
  /** Counters of earlier worker lives, so totals survive restarts. */
  carried: CarriedCounters = { framesReceived: 0, framesInferred: 0, framesSkipped: 0, framesRejected: 0, messagesRejected: 0 };
  /** Malformed messages this supervisor dropped from the worker. */
  rejectedHere = 0;
  env?: Record<string, string>;
  removing = false;
  /** The worker was stopped on purpose (reconfiguration): its exit is not a crash. */
  expectedExit = false;
  /** Why the supervisor killed the current worker (watchdog, start timeout), for the restart reason. */
  killReason: string | null = null;
  watchdogKill = false;
  /** An engine-side camera's ffmpeg, as its worker last reported it (null: frames come from a page or code). */
  source: { state: SourceState; reason: string | null } | null = null;

  constructor(config: CameraConfig & { id: string }) {
    this.config = config;
    this.modelChoice = config.model ?? DEFAULT_MODEL;
  }

  /** Resolve the model early, so the thread plan finds its calibration before the first start. */
  noteModel(): void {
    try {
      const resolved = resolveModel(this.modelChoice);
      this.modelPath = resolved.path;
      this.landmarkPath = resolved.landmarkPath;
    } catch {
      this.modelPath = ''; // the worker's start reports the problem
    }
  }

  get id(): string {
    return this.config.id;
  }

  /** Adds the current worker's counters to the carried totals (its life is over). */
  carry(): void {
    if (!this.stats) return;
    for (const key of Object.keys(this.carried) as Array<keyof CarriedCounters>) this.carried[key] += this.stats[key];
    this.stats = null;
  }

  clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.nextRestartAt = undefined;
  }

  /** Fresh state for a new worker life. */
  resetForStart(now: number): void {
    this.restartTimer = null;
    this.nextRestartAt = undefined;
    this.modelInfo = undefined;
    this.stats = null;
    this.expectedExit = false;
    this.killReason = null;
    this.watchdogKill = false;
    this.startedAt = now;
    this.lastHeard = now;
  }
}
