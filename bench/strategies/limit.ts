/**
 * The machine's ceiling: the model's raw invoke rate with one thread in one process (XNNPACK),
 * times the cores. Measured by the camera worker's own 'calibrate' message (Detector.inferOnly in
 * a tight loop, no transport, no normalisation, no decoding), which also gives the rate at every
 * other thread count: the thread budget and shared-lock's best thread count use those.
 */
import { NodeLauncher } from '../../src/engine/node-launcher';
import { calibrationThreadCounts, type CalibrationPoint } from '../../src/engine/thread-budget';
import { parseMessage } from '../../src/shared/contracts/frames';
import { WorkerOutbound } from '../../src/shared/contracts/worker';
import type { ModelRef } from '../lib/types';

export interface LimitResult {
  singleThreadIps: number;
  ips: number;
  delegate: 'xnnpack' | 'none';
  points: CalibrationPoint[];
}

export function measureLimit(model: ModelRef, delegatePath: string | undefined, cores: number, durationMs: number): Promise<LimitResult> {
  const launcher = new NodeLauncher({ forwardStderr: false });
  const worker = launcher.launch({ cameraId: 'bench-limit', serviceName: 'bench-limit' });
  // Every count up to the cores on small machines; 1, 2, 4, 8 and the cores on big ones.
  const threadCounts = cores <= 4 ? Array.from({ length: cores }, (_, i) => i + 1) : calibrationThreadCounts(cores);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.kill('SIGKILL');
      reject(new Error('the limit measurement did not finish'));
    }, 30_000 + threadCounts.length * durationMs * 2);
    worker.on('message', (data) => {
      const parsed = parseMessage(WorkerOutbound, data);
      if (!parsed.ok) return;
      const m = parsed.value;
      if (m.type === 'calibration') {
        clearTimeout(timer);
        const single = m.results.find((p) => p.threads === 1)?.ips ?? 0;
        resolve({ singleThreadIps: single, ips: single * cores, delegate: m.delegate, points: m.results });
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`limit measurement failed: ${m.message}`));
      }
    });
    worker.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the limit measurement's worker exited (${code}) ${worker.recentStderr.at(-1) ?? ''}`));
    });
    worker.postMessage({
      type: 'calibrate',
      modelPath: model.path,
      modelName: model.name,
      delegate: 'xnnpack',
      delegatePath,
      threadCounts,
      durationMs: Math.round(Math.min(10_000, Math.max(300, durationMs))),
    });
  });
}
