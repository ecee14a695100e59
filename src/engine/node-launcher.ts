/** Starts workers with child_process.fork: serve mode, tests, the bench and the CLI. */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WORKER_EXEC_ARGV, WorkerProcess, type LaunchOptions, type WorkerLauncher } from './launcher';
import { projectRoot } from './paths';
import { FrameSlots } from './frame-slots';

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
  /** Forward each worker's stderr lines to this process's stderr (default: yes). */
  forwardStderr?: boolean;
}

/**
 * The worker entry for Node. From the sources, the worker is bundled once per launcher with
 * esbuild (about 60 ms) into a content-addressed file under node_modules/.cache: a worker then
 * starts in plain Node, about 3x faster than through the tsx loader, which matters when a crashed
 * camera has to be back within seconds. Without esbuild it falls back to tsx. (The desktop app
 * does not come here: electron-vite builds its worker.)
 */
function workerEntry(): { file: string; execArgv: string[] } {
  const root = projectRoot();
  const ts = path.join(root, 'src', 'workers', 'camera-worker.ts');
  const require = createRequire(path.join(root, 'package.json'));
  if (!existsSync(ts)) throw new Error(`the camera worker source ${ts} is missing`);
  try {
    return { file: bundleWorker(root, ts, require), execArgv: [] };
  } catch (err) {
    process.stderr.write(`cannot bundle the camera worker (${(err as Error).message.split('\n')[0]}); running it through tsx\n`);
    const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
    return { file: ts, execArgv: ['--import', tsx] };
  }
}

function bundleWorker(root: string, entry: string, require: NodeRequire): string {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const result = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies (the native binding above all) load from node_modules as usual.
    packages: 'external',
    write: false,
    outfile: 'camera-worker.mjs',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const dir = path.join(root, 'node_modules', '.cache', 'multicam-recognition');
  const file = path.join(dir, `camera-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, file);
  }
  return file;
}

export class NodeLauncher implements WorkerLauncher {
  readonly kind = 'node' as const;
  private readonly entry = workerEntry();

  constructor(private readonly options: NodeLauncherOptions = {}) {}

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
    if (this.options.forwardStderr !== false) {
      worker.on('stderr', (line) => process.stderr.write(`[${options.serviceName}] ${line}\n`));
    }
    return worker;
  }
}
