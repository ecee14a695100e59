/**
 * The machine's ceiling, measured rather than multiplied: N independent processes, each running a
 * bare infer() loop (1 thread, XNNPACK, no transport, no normalisation, no decoding), started
 * together, for N = 1 .. cores. Cores that all run at once are slower than one core alone (shared
 * caches, memory bandwidth, clocks), so the rate at N = cores is the limit every strategy is held
 * against; one process's rate times the cores (`linear_ips`) is kept beside it.
 *
 * The camera worker's own 'calibrate' message also runs here, once: one interpreter's invoke rate
 * at every thread count up to the cores. The thread budget and shared-lock's best thread count use
 * those.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { calibrationThreadCounts, type CalibrationPoint } from '../../src/engine/thread-budget';
import { parseMessage } from '../../src/shared/contracts/frames';
import { WorkerOutbound } from '../../src/shared/contracts/worker';
import { benchFile, tsxExecArgv } from '../lib/tsx';
import type { ModelRef } from '../lib/types';
import { LimitOutbound, type LimitInbound } from '../workers/limit-protocol';

export interface LimitResult {
  /** Concurrent rate at N = cores. */
  ips: number;
  /** One process alone x cores. */
  linearIps: number;
  /** One process alone. */
  singleThreadIps: number;
  concurrent: Array<{ processes: number; ips: number }>;
  delegate: 'xnnpack' | 'none';
  /** One interpreter's invoke rate at each thread count (the calibration). */
  points: CalibrationPoint[];
}

export async function measureLimit(
  model: ModelRef,
  delegatePath: string | undefined,
  cores: number,
  durationMs: number,
  progress: (text: string) => void = () => {},
): Promise<LimitResult> {
  progress('limit: one interpreter at 1..cores threads');
  const calibration = await calibrate(model, delegatePath, cores, durationMs);
  const concurrent: LimitResult['concurrent'] = [];
  let delegate = calibration.delegate;
  for (let n = 1; n <= cores; n++) {
    progress(`limit: ${n} process${n > 1 ? 'es' : ''} running infer() together`);
    const r = await concurrentRate(model, delegatePath, n, durationMs);
    concurrent.push({ processes: n, ips: r.ips });
    if (r.delegate === 'none') delegate = 'none';
  }
  const single = concurrent[0].ips;
  return { ips: concurrent[cores - 1].ips, linearIps: single * cores, singleThreadIps: single, concurrent, delegate, points: calibration.points };
}

/** N limit workers, each loaded and ready before any starts; then all run for durationMs together. */
async function concurrentRate(model: ModelRef, delegatePath: string | undefined, n: number, durationMs: number): Promise<{ ips: number; delegate: 'xnnpack' | 'none' }> {
  const children: ChildProcess[] = [];
  const timer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 60_000 + 3 * durationMs);
  try {
    const replies = (c: ChildProcess, want: LimitOutbound['type']) =>
      new Promise<LimitOutbound>((resolve, reject) => {
        const onMessage = (data: unknown) => {
          const parsed = LimitOutbound.safeParse(data);
          if (!parsed.success) return reject(new Error(`limit worker sent a bad message: ${parsed.error.message}`));
          if (parsed.data.type === 'error') return reject(new Error(`limit worker: ${parsed.data.message}`));
          if (parsed.data.type !== want) return;
          c.off('message', onMessage);
          c.off('exit', onExit);
          resolve(parsed.data);
        };
        const onExit = (code: number | null, signal: string | null) => reject(new Error(`a limit worker exited (${signal ?? code})`));
        c.on('message', onMessage);
        c.once('exit', onExit);
      });
    const send = (c: ChildProcess, m: LimitInbound) => c.send(m);
    for (let i = 0; i < n; i++) {
      children.push(fork(benchFile('workers', 'limit-worker.ts'), [], { execArgv: tsxExecArgv(), stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }));
    }
    const ready = children.map((c) => replies(c, 'ready'));
    for (const c of children) send(c, { type: 'init', modelPath: model.path, modelName: model.name, delegatePath });
    const readies = await Promise.all(ready);
    const done = children.map((c) => replies(c, 'done'));
    const warmupMs = Math.min(1000, Math.max(200, durationMs * 0.2));
    for (const c of children) send(c, { type: 'go', warmupMs, durationMs });
    const results = await Promise.all(done);
    let ips = 0;
    for (const r of results) if (r.type === 'done') ips += r.runs / r.seconds;
    const delegate = readies.every((r) => r.type === 'ready' && r.delegate === 'xnnpack') ? 'xnnpack' : 'none';
    return { ips, delegate };
  } finally {
    clearTimeout(timer);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

function calibrate(model: ModelRef, delegatePath: string | undefined, cores: number, durationMs: number): Promise<{ delegate: 'xnnpack' | 'none'; points: CalibrationPoint[] }> {
  const launcher = new NodeLauncher();
  const worker = launcher.launch({ cameraId: 'bench-limit', serviceName: 'bench-limit' });
  // Every count up to the cores on small machines; 1, 2, 4, 8 and the cores on big ones.
  const threadCounts = cores <= 4 ? Array.from({ length: cores }, (_, i) => i + 1) : calibrationThreadCounts(cores);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.kill('SIGKILL');
      reject(new Error('the thread-count calibration did not finish'));
    }, 30_000 + threadCounts.length * durationMs * 2);
    worker.on('message', (data) => {
      const parsed = parseMessage(WorkerOutbound, data);
      if (!parsed.ok) return;
      const m = parsed.value;
      if (m.type === 'calibration') {
        clearTimeout(timer);
        resolve({ delegate: m.delegate, points: m.results });
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`calibration failed: ${m.message}`));
      }
    });
    worker.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the calibration worker exited (${code}) ${worker.recentStderr.at(-1) ?? ''}`));
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
