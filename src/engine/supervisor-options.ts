/** The supervisor's options and events (src/engine/supervisor.ts). */
import type { TrackMessage } from '../shared/contracts/events';
import type { EngineSettings } from '../shared/contracts/config';
import type { CameraStatus, EngineSnapshot } from '../shared/contracts/engine-api';
import type { FrameDroppedMessage, ResultMessage, SnapshotRequestMessage } from '../shared/contracts/frames';
import type { SegmentMessage } from '../shared/contracts/recording';
import type { LiveViewMessage } from '../shared/contracts/live';
import type { WorkerLauncher } from './launcher';
import type { Logger } from './logger';
import type { RestartPolicy } from './restart-policy';
import type { ThreadPlannerOptions } from './thread-planner';

export interface SupervisorOptions extends Pick<ThreadPlannerOptions, 'calibrationFile' | 'capacityFile' | 'calibrate' | 'calibrationMs'> {
  launcher: WorkerLauncher;
  settings?: Partial<EngineSettings>;
  cores?: number;
  /** XNNPACK plugin; defaults to the one built at install. */
  delegatePath?: string;
  restart?: Partial<RestartPolicy>;
  /** A running worker silent for this long (no stats heartbeat) is stuck: kill and restart it. */
  watchdogMs?: number;
  /** A starting worker must be ready within this time (model load included). */
  startTimeoutMs?: number;
  statsIntervalMs?: number;
  /** Desktop app: makes the port that carries one camera's frames from the renderer to its worker. */
  createDataPort?: (cameraId: string) => unknown;
  /** Called when a camera's worker is gone for good (removed): close its renderer port. */
  releaseDataPort?: (cameraId: string) => void;
  /** Workers track detections into events and send 'track' messages. */
  events?: boolean;
  /** DATA/recordings: engine-side cameras record there (their record.mode); absent: nothing is recorded. */
  recordingsDir?: () => string | undefined;
  /** Where the supervisor's records and its workers' stderr lines go (a child per camera); default stderr. */
  log?: Logger;
}

export interface SupervisorEvents {
  result: [ResultMessage];
  dropped: [FrameDroppedMessage];
  /** A camera changed state or configuration. */
  change: [CameraStatus];
  removed: [string];
  /** A track started, improved or ended on a camera (events). */
  track: [TrackMessage];
  /** An engine-side camera's ffmpeg closed a recording segment (validated). */
  segment: [SegmentMessage];
  /** A page-captured camera's worker wants a full-size picture from the page that sent the frame. */
  'snapshot-request': [SnapshotRequestMessage];
  /** A camera's worker exited (crash, restart, removal): its tracks are over. */
  'worker-gone': [string];
  snapshot: [EngineSnapshot];
  /** An engine-side camera's live-view frame, while watchPreviews(true). */
  preview: [LiveViewMessage];
  /** Something the operator should know that is not one camera's state. */
  notice: [{ level: 'info' | 'warning' | 'error'; message: string }];
}

export interface AddCameraOptions {
  /** Extra environment for this camera's worker (fault injection in tests). */
  env?: Record<string, string>;
}

