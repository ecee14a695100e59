/** Starts workers with child_process.fork: serve mode, tests, the bench and the CLI. */
import { fork, type ChildProcess } from 'node:child_process';
import { WORKER_EXEC_ARGV, WorkerProcess, type LaunchOptions, type WorkerLauncher } from './launcher';
import { FrameSlots } from './frame-slots';
import { sourceWorkerEntry } from './source-worker';

/** A WorkerProcess around a forked Node child (also used by tests that fork scripts of their own). */
export class NodeWorkerProcess extends WorkerProcess {
  constructor(private readonly child: ChildProcess) {
    super();
    child.on('spawn', () => this.emit('spawn'));
    child.on('message', (m) => this.emit('message', m));
    child.on('exit', (code, signal) => this.markExited(code, signal));
    child.on('error', (err) => {
      this.noteStderr(`process error: ${err.message}`);
      if (child.exitCode !== null || child.pid === undefined) this.markExited(child.exitCode ?? -1, null);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => this.noteStderr(chunk));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  postMessage(message: unknown): boolean {
    if (!this.alive || !this.child.connected) return false;
    try {
      // send() answers false when its queue is long, but the message is queued all the same:
      // it is delivered, so it counts as sent (a 'not ready' here would answer it twice).
      this.child.send(message as object, (err) => {
        // Ignore: an exit arrives through the exit event.
        void err;
      });
      return true;
    } catch {
      return false;
    }
  }

  protected signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.child.kill(signal);
  }
}

export interface NodeLauncherOptions {
  /**
   * The built camera worker to fork (serve mode passes out/serve/camera-worker.js). Without it the
   * worker is bundled from the sources (source-worker.ts): tests, the bench and the detect CLI.
   */
  workerFile?: string;
}

export class NodeLauncher implements WorkerLauncher {
  readonly kind = 'node' as const;
  private readonly entry: { file: string; execArgv: string[] };

  constructor(private readonly options: NodeLauncherOptions = {}) {
    this.entry = options.workerFile ? { file: options.workerFile, execArgv: [] } : sourceWorkerEntry();
  }

  launch(options: LaunchOptions): WorkerProcess {
    const slots = FrameSlots.create();
    let child: ChildProcess;
    try {
      child = fork(this.entry.file, [], {
        execArgv: [...WORKER_EXEC_ARGV, ...this.entry.execArgv],
        serialization: 'advanced',
        // fd 4: the frame-slot file (frame-slots.ts), when there is one.
        stdio: slots ? ['ignore', 'inherit', 'pipe', 'ipc', slots.fd] : ['ignore', 'inherit', 'pipe', 'ipc'],
        env: { ...process.env, ...(slots?.env ?? {}), ...options.env },
      });
    } catch (err) {
      slots?.close();
      throw err;
    }
    const worker = new NodeWorkerProcess(child);
    if (slots) {
      worker.frameSlots = slots;
      worker.on('exit', () => slots.close());
    }
    return worker;
  }
}
