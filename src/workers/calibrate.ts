/**
 * A calibration worker: measures a model's invoke rate at each thread count on this machine (the
 * thread planner decides from it whether extra threads pay), reports, and exits.
 */
import type { WorkerInbound } from '../shared/contracts/worker';
import type { Send } from './channel';
import { Detector, DetectorError } from './detector';

/** Invoke rate of the model at each thread count, one interpreter at a time; answers, then exits. */
export function calibrate(msg: Extract<WorkerInbound, { type: 'calibrate' }>, send: Send): void {
  const results: Array<{ threads: number; ips: number }> = [];
  let delegate = msg.delegate;
  try {
    for (const threads of msg.threadCounts) {
      const detector = new Detector({ ...msg, threads });
      delegate = detector.delegate;
      for (let i = 0; i < 5; i++) detector.inferOnly();
      let runs = 0;
      const started = performance.now();
      while (performance.now() - started < msg.durationMs) {
        detector.inferOnly();
        runs++;
      }
      results.push({ threads, ips: runs / ((performance.now() - started) / 1000) });
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof DetectorError ? err.code : 'model-invalid';
    send({ type: 'error', cameraId: 'calibration', code, message, fatal: true });
    setTimeout(() => process.exit(1), 50);
    return;
  }
  send({ type: 'calibration', modelName: msg.modelName, delegate, results });
  setTimeout(() => process.exit(0), 50);
}
