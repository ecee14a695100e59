/**
 * The desktop app's WorkerLauncher: each camera worker is an Electron utility process
 * (utilityProcess.fork), named `camera-<id>` so app.getAppMetrics() and 'child-process-gone' can be
 * matched to their camera. The worker talks over process.parentPort; the MessagePort that carries
 * the renderer's frames arrives with 'init' (the supervisor passes it as a transfer).
 */
import { app, utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import { WORKER_EXEC_ARGV, WorkerProcess, type LaunchOptions, type WorkerLauncher } from '../engine/launcher';

/** How long an exit waits for Chromium's 'child-process-gone' reason (crashed, oom, killed...). */
const GONE_REASON_WAIT_MS = 100;

class UtilityWorkerProcess extends WorkerProcess {
  private readonly child: UtilityProcess;
  private goneReason: string | null = null;
  private exitCode: number | null = null;

  constructor(workerPath: string, options: LaunchOptions) {
    super();
    this.child = utilityProcess.fork(workerPath, [], {
      serviceName: options.serviceName,
      stdio: 'pipe',
      // Never run here (no Electron runtime): whether a utility process applies a V8 heap option
      // given this way is unverified; without it the worker runs the same, with a larger heap.
      execArgv: [...WORKER_EXEC_ARGV],
      env: { ...process.env, ...options.env },
    });
    this.child.on('spawn', () => this.emit('spawn'));
    this.child.on('message', (message: unknown) => this.emit('message', message));
    // A utility process reports an exit code only. Why it ended (a native crash, say) comes from
    // app's 'child-process-gone', matched by service name (noteGone); the exit waits briefly for it.
    this.child.on('exit', (code: number) => {
      this.exitCode = code;
      if (this.goneReason) this.finish();
      else setTimeout(() => this.finish(), GONE_REASON_WAIT_MS);
    });
    this.child.on('error', (type: string, location: string) => this.noteStderr(`fatal error ${type} at ${location}`));
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => this.noteStderr(chunk));
    // The worker writes nothing useful to stdout; drain it so a full pipe cannot block it.
    this.child.stdout?.resume();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Chromium's reason this process went: 'crashed' reaches the supervisor as the exit signal. */
  noteGone(reason: string): void {
    this.goneReason = reason;
    if (this.exitCode !== null) this.finish();
  }

  private finish(): void {
    const reason = this.goneReason && this.goneReason !== 'clean-exit' ? this.goneReason : null;
    this.markExited(this.exitCode, reason);
  }

  postMessage(message: unknown, transfer?: unknown[]): boolean {
    if (!this.alive) return false;
    try {
      this.child.postMessage(message, transfer as MessagePortMain[] | undefined);
      return true;
    } catch {
      return false;
    }
  }

  protected signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    // utilityProcess.kill() sends SIGTERM on POSIX (terminates on Windows). A worker stuck inside
    // native code gets a real SIGKILL where there is one.
    const pid = this.child.pid;
    if (signal === 'SIGKILL' && pid !== undefined && process.platform !== 'win32') {
      try {
        process.kill(pid, 'SIGKILL');
        return;
      } catch {
        // gone already, or not ours to signal: fall back
      }
    }
    this.child.kill();
  }
}

export class UtilityProcessLauncher implements WorkerLauncher {
  readonly kind = 'electron' as const;
  /** The live worker of each service name (one per camera at a time). */
  private readonly live = new Map<string, UtilityWorkerProcess>();

  constructor(private readonly workerPath: string) {
    app.on('child-process-gone', (_event, details) => {
      if (details.type === 'Utility' && details.serviceName) this.live.get(details.serviceName)?.noteGone(details.reason);
    });
  }

  launch(options: LaunchOptions): WorkerProcess {
    const worker = new UtilityWorkerProcess(this.workerPath, options);
    this.live.set(options.serviceName, worker);
    worker.on('exit', () => {
      if (this.live.get(options.serviceName) === worker) this.live.delete(options.serviceName);
    });
    return worker;
  }
}
