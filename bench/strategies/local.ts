/**
 * Two strategies built from the bench's own small workers (bench/workers/host.ts), each holding the
 * app's Detector:
 *
 *  - shared-lock: ONE interpreter in one worker process, fed over the same child_process IPC the app
 *    uses (fork, advanced serialization). Every stream's frame waits for an async mutex, so the
 *    streams take turns. Run with 1 thread and with the thread count that gave one interpreter its
 *    best invoke rate on this machine.
 *  - thread-pool: min(N, cores) worker_threads in the bench process, one interpreter each, streams
 *    assigned round-robin (stream s -> worker s mod W); threads per interpreter by the app's thread
 *    budget for W interpreters. Never more interpreters than cores: extra streams share a worker's
 *    queue instead of adding interpreters that would only contend for the same cores.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Worker } from 'node:worker_threads';
import { threadsPerInterpreter } from '../../src/engine/thread-budget';
import { drive, type StreamAnswer, measuredFields } from '../lib/driver';
import type { BenchContext, RowDraft } from '../lib/types';
import { benchFile, tsWorker, tsxExecArgv } from '../lib/tsx';
import type { HostFrame, HostInit, HostOut } from '../workers/host';
import type { PoolReply, PoolRun } from '../workers/pool-runner';

interface Endpoint {
  post(m: HostInit | HostFrame): void;
  onMessage(listener: (m: HostOut) => void): void;
  close(): Promise<void>;
}

function processEndpoint(): Endpoint {
  const child: ChildProcess = fork(benchFile('workers', 'shared-worker.ts'), [], {
    execArgv: tsxExecArgv(),
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  child.stderr?.resume();
  return {
    post: (m) => child.send(m),
    onMessage: (l) => child.on('message', (m) => l(m as HostOut)),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

function threadEndpoint(): Endpoint {
  const worker: Worker = tsWorker(benchFile('workers', 'pool-worker.ts'));
  return {
    post: (m) => worker.postMessage(m),
    onMessage: (l) => worker.on('message', l),
    close: async () => {
      await worker.terminate();
    },
  };
}

/** One interpreter host with request/response by sequence number. */
class Host {
  private seq = 0;
  private readonly waiting = new Map<number, (a: StreamAnswer) => void>();
  private readonly ready: Promise<{ threads: number; delegate: 'xnnpack' | 'none' }>;

  constructor(
    private readonly endpoint: Endpoint,
    ctx: BenchContext,
    threads: number,
    lock: boolean,
  ) {
    this.ready = new Promise((resolve, reject) => {
      endpoint.onMessage((m) => {
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'error') reject(new Error(m.message));
        else {
          const r = this.waiting.get(m.seq);
          this.waiting.delete(m.seq);
          r?.({ detections: m.detections, inferMs: m.inferMs, extra: { workerMs: m.workerMs } });
        }
      });
    });
    endpoint.post({
      type: 'init',
      modelPath: ctx.model.path,
      modelName: ctx.model.name,
      threads,
      delegate: 'xnnpack',
      delegatePath: ctx.delegatePath,
      lock,
    });
  }

  whenReady() {
    return this.ready;
  }

  submit(stream: number, ctx: BenchContext): Promise<StreamAnswer> {
    const seq = ++this.seq;
    const frame = ctx.frames[stream];
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve);
      this.endpoint.post({ type: 'frame', stream, seq, data: frame.data, letterbox: frame.letterbox });
    });
  }

  close() {
    return this.endpoint.close();
  }
}

/** Thread counts for shared-lock: 1, and the best one for a single interpreter if that is not 1. */
export function sharedLockThreadCounts(ctx: BenchContext): number[] {
  let best = ctx.calibration.find((p) => p.threads === 1) ?? { threads: 1, ips: 0 };
  for (const p of ctx.calibration) if (p.ips > best.ips) best = p;
  return best.threads === 1 ? [1] : [1, best.threads];
}

export async function runSharedLock(ctx: BenchContext, streams: number[], threads: number, onRow: (r: RowDraft) => void): Promise<void> {
  const host = new Host(processEndpoint(), ctx, threads, true);
  try {
    const ready = await host.whenReady();
    for (const n of streams) {
      ctx.progress(`shared-lock ${threads}t N=${n}`);
      const r = await drive((s) => host.submit(s, ctx), {
        streams: n,
        seconds: ctx.seconds,
        warmupSeconds: ctx.warmupSeconds,
        attribution: ctx.attribution,
        cores: ctx.cores,
        onProgress: (done, t) => ctx.progress(`shared-lock ${threads}t N=${n}: ${(done / Math.max(t, 0.01)).toFixed(0)} ips`),
      });
      onRow({
        strategy: 'shared-lock',
        streams: n,
        threads: ready.threads,
        delegate: ready.delegate,
        interpreters: 1,
        ...measuredFields(r),
      });
    }
  } finally {
    await host.close();
  }
}

/**
 * thread-pool, run in a child process of its own (bench/workers/pool-runner.ts) with its load
 * generator. A crash of that child fails this strategy, not the bench.
 */
export async function runThreadPoolIsolated(ctx: BenchContext, n: number, onRow: (r: RowDraft) => void): Promise<void> {
  const child = fork(benchFile('workers', 'pool-runner.ts'), [], {
    execArgv: tsxExecArgv(),
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const stderr: string[] = [];
  let rows = 0;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line.trim() && !line.startsWith('INFO:')) stderr.push(line.trim());
    if (stderr.length > 20) stderr.splice(0, stderr.length - 20);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: PoolReply) => {
        if (m.type === 'progress') ctx.progress(m.text);
        else if (m.type === 'row') {
          rows++;
          onRow(m.row);
        }
        else if (m.type === 'error') reject(new Error(m.message));
        else resolve();
      });
      child.on('exit', (code, signal) => {
        // A crash after the row came back (tearing down) does not lose the measurement.
        if (rows > 0) resolve();
        else reject(new Error(`the thread-pool process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${stderr.length ? `: ${stderr.at(-1)}` : ''}`));
      });
      const run: PoolRun = {
        type: 'run',
        n,
        cores: ctx.cores,
        model: ctx.model,
        delegatePath: ctx.delegatePath,
        frames: ctx.frames.slice(0, n),
        expected: ctx.attribution.expected,
        calibration: ctx.calibration,
        seconds: ctx.seconds,
        warmupSeconds: ctx.warmupSeconds,
      };
      child.send(run);
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
  }
}

/**
 * @param closeWorkers terminate the worker threads at the end. Terminating a worker thread whose
 *   interpreter ran with more than one XNNPACK thread aborts the whole process (SIGABRT), so the
 *   isolated runner leaves them and its process is killed instead.
 */
export async function runThreadPool(ctx: BenchContext, n: number, onRow: (r: RowDraft) => void, closeWorkers = true): Promise<void> {
  const workers = Math.min(n, ctx.cores);
  const threads = threadsPerInterpreter({ cameras: workers, cores: ctx.cores, userThreads: 'auto', calibration: ctx.calibration });
  // One worker thread at a time: tfjs-tflite-node keeps the TensorInfo constructor in a process-wide
  // static that each thread's addon load overwrites, so a thread that builds its interpreter while
  // another thread loads the addon creates objects of the wrong isolate and aborts the process.
  // Interpreters built one after the other never touch that constructor again.
  const hosts: Host[] = [];
  const ready: Array<{ threads: number; delegate: 'xnnpack' | 'none' }> = [];
  try {
    for (let i = 0; i < workers; i++) {
      const host = new Host(threadEndpoint(), ctx, threads, false);
      hosts.push(host);
      ready.push(await host.whenReady());
    }
    ctx.progress(`thread-pool N=${n}`);
    const r = await drive((s) => hosts[s % workers].submit(s, ctx), {
      streams: n,
      seconds: ctx.seconds,
      warmupSeconds: ctx.warmupSeconds,
      attribution: ctx.attribution,
      cores: ctx.cores,
      onProgress: (done, t) => ctx.progress(`thread-pool N=${n}: ${(done / Math.max(t, 0.01)).toFixed(0)} ips`),
    });
    onRow({
      strategy: 'thread-pool',
      streams: n,
      threads: ready[0].threads,
      delegate: ready[0].delegate,
      interpreters: workers,
      ...measuredFields(r),
    });
  } finally {
    if (closeWorkers) await Promise.all(hosts.map((h) => h.close()));
  }
}
