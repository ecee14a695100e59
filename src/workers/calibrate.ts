/**
 * A calibration worker: measures a model's invoke rate at each thread count on this machine (the
 * thread planner decides from it whether extra threads pay), reports, and exits.
 */
import type { WorkerInbound } from '../shared/contracts/worker';
import type { Send } from './channel';
import { Detector, DetectorError } from './detector';

/**
 * Invokes a second. On one thread, from the CPU time the invokes took: that is what a camera's model
 * costs a core, and it does not depend on what else the machine runs meanwhile (on a busy machine
 * the wall-clock rate measures the share of a core this process got, and admission then refused
 * cameras that fit). On more threads the gain is a matter of wall time, so the wall-clock rate.
 */
export function invokeRate(threads: number, runs: number, wallMs: number, cpu: NodeJS.CpuUsage): number {
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const ms = threads === 1 && cpuMs > 0 ? Math.min(cpuMs, wallMs) : wallMs;
  return runs / (ms / 1000);
}

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
      const cpuBefore = process.cpuUsage();
      while (performance.now() - started < msg.durationMs) {
        detector.inferOnly();
        runs++;
      }
      results.push({ threads, ips: invokeRate(threads, runs, performance.now() - started, process.cpuUsage(cpuBefore)) });
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
