/**
 * The desktop app's WorkerLauncher: each camera worker is an Electron utility process
 * (utilityProcess.fork), named `camera-<id>` so app.getAppMetrics() and 'child-process-gone' can be
 * matched to their camera. The worker talks over process.parentPort; the MessagePort that carries
 * the renderer's frames arrives with 'init' (the supervisor passes it as a transfer).
 */
import { utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import { WORKER_EXEC_ARGV, WorkerProcess, type LaunchOptions, type WorkerLauncher } from '../engine/launcher';

class UtilityWorkerProcess extends WorkerProcess {
  private readonly child: UtilityProcess;

  constructor(workerPath: string, options: LaunchOptions, forwardStderr: boolean) {
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
    // A utility process reports an exit code only; a crash shows up as a non-zero code.
    this.child.on('exit', (code: number) => this.markExited(code, null));
    this.child.on('error', (type: string, location: string) => this.noteStderr(`fatal error ${type} at ${location}`));
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => this.noteStderr(chunk));
    // The worker writes nothing useful to stdout; drain it so a full pipe cannot block it.
    this.child.stdout?.resume();
    if (forwardStderr) this.on('stderr', (line) => process.stderr.write(`[${options.serviceName}] ${line}\n`));
  }

  get pid(): number | undefined {
    return this.child.pid;
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

  constructor(
    private readonly workerPath: string,
    private readonly forwardStderr = true,
  ) {}

  launch(options: LaunchOptions): WorkerProcess {
    return new UtilityWorkerProcess(this.workerPath, options, this.forwardStderr);
  }
}
