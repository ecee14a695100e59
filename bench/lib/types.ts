import type { CalibrationPoint } from '../../src/engine/thread-budget';
import type { Attribution, StreamFrame } from './frames';

export const STRATEGIES = [
  'shared-lock',
  'thread-pool',
  'process-per-camera',
  'process-xnnpack-4-threads',
  'process-out-of-box',
  'browser-wasm',
  'seed-python',
  'process-per-camera-ffmpeg',
] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export interface ModelRef {
  name: string;
  path: string;
  inputWidth: number;
  inputHeight: number;
  /** Manifest model (BlazeFace decoder) or a raw .tflite. */
  known: boolean;
}

export interface BenchContext {
  cores: number;
  model: ModelRef;
  delegatePath?: string;
  frames: StreamFrame[];
  attribution: Attribution;
  /** Invoke rate per thread count of one interpreter in one process (XNNPACK). */
  calibration: CalibrationPoint[];
  seconds: number;
  warmupSeconds: number;
  /** Frames in flight per camera for the app's own path (its maxInFlight setting). */
  inFlight: number;
  /** Updates the progress line. */
  progress: (text: string) => void;
}

/** One row of the results, as it goes into the JSON. */
export interface ResultRow {
  strategy: StrategyName;
  streams: number;
  threads: number;
  /** seed-python runs two designs: one interpreter behind a mutex, and a pool of one per thread. */
  variant?: 'mutex' | 'pool';
  delegate: 'xnnpack' | 'none' | 'wasm';
  /** Interpreters (processes, worker threads or in-page models) serving the streams. */
  interpreters: number;
  ips: number;
  per_stream_ips: number;
  min_stream_ips: number;
  max_stream_ips: number;
  p50_ms: number;
  p95_ms: number;
  cpu: number;
  ratio_to_limit: number;
  misattributed: number;
  dropped: number;
  frames: number;
  long_tasks?: { count: number; total_ms: number };
  note?: string;
}

export type RowDraft = Omit<ResultRow, 'ratio_to_limit'>;
