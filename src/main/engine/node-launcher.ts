/** Starts workers with child_process.fork: serve mode, tests, the bench and the CLI. */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkerProcess, type LaunchOptions, type WorkerLauncher } from './launcher';
import { projectRoot } from './paths';

class NodeWorkerProcess extends WorkerProcess {
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
      return this.child.send(message as object, (err) => {
        // Ignore: an exit arrives through the exit event.
        void err;
      });
    } catch {
      return false;
    }
  }

  protected signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.child.kill(signal);
  }
}

export interface NodeLauncherOptions {
  /** Forward each worker's stderr lines to this process's stderr (default: yes). */
  forwardStderr?: boolean;
}

/** Finds the worker entry: built JavaScript when present, else the TypeScript source run through tsx. */
function workerEntry(): { file: string; execArgv: string[] } {
  const root = projectRoot();
  const ts = path.join(root, 'src', 'workers', 'camera-worker.ts');
  const require = createRequire(path.join(root, 'package.json'));
  if (existsSync(ts)) {
    const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
    return { file: ts, execArgv: ['--import', tsx] };
  }
  return { file: path.join(root, 'out', 'main', 'camera-worker.js'), execArgv: [] };
}

export class NodeLauncher implements WorkerLauncher {
  readonly kind = 'node' as const;
  private readonly entry = workerEntry();

  constructor(private readonly options: NodeLauncherOptions = {}) {}

  launch(options: LaunchOptions): WorkerProcess {
    const child = fork(this.entry.file, [], {
      execArgv: this.entry.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, ...options.env, MULTICAM_SERVICE_NAME: options.serviceName, MULTICAM_ROLE: options.role ?? 'camera' },
    });
    const worker = new NodeWorkerProcess(child);
    if (this.options.forwardStderr !== false) {
      worker.on('stderr', (line) => process.stderr.write(`[${options.serviceName}] ${line}\n`));
    }
    return worker;
  }
}
