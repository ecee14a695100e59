/**
 * Runs the thread-pool strategy in a child process of its own, load generator included, so that
 * the worker threads share a process with nothing but their streams (as they would in an app
 * built that way) and so that a native crash of tfjs-tflite-node under worker_threads ends this
 * child, not the bench. The bench starts one per N, sends one 'run' and gets a row (or an error)
 * back, then kills it: the worker threads are never terminated (see runThreadPool).
 */
import { Attribution, type Expected, type StreamFrame } from '../lib/frames';
import type { BenchContext, ModelRef, RowDraft } from '../lib/types';
import type { CalibrationPoint } from '../../src/engine/thread-budget';
import { runThreadPool } from '../strategies/local';

export interface PoolRun {
  type: 'run';
  n: number;
  cores: number;
  model: ModelRef;
  delegatePath?: string;
  frames: StreamFrame[];
  expected: Array<Expected | null>;
  calibration: CalibrationPoint[];
  seconds: number;
  warmupSeconds: number;
}

export type PoolReply = { type: 'progress'; text: string } | { type: 'row'; row: RowDraft } | { type: 'error'; message: string } | { type: 'done' };

if (typeof process.send !== 'function') throw new Error('start this with child_process.fork');
process.on('disconnect', () => process.exit(0));
const send = (m: PoolReply) => {
  if (process.connected) process.send!(m);
};
process.on('message', (m: PoolRun) => {
  if (m?.type !== 'run') return;
  const ctx: BenchContext = {
    cores: m.cores,
    model: m.model,
    delegatePath: m.delegatePath,
    frames: m.frames,
    attribution: new Attribution(m.expected),
    calibration: m.calibration,
    seconds: m.seconds,
    warmupSeconds: m.warmupSeconds,
    inFlight: 1,
    progress: (text) => send({ type: 'progress', text }),
  };
  runThreadPool(ctx, m.n, (row) => send({ type: 'row', row }), false).then(
    () => send({ type: 'done' }),
    (err) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
