/**
 * How the supervisor starts a camera's worker process. Two implementations: Node's
 * child_process.fork (serve mode, tests, bench, CLI) and Electron's utilityProcess.fork
 * (desktop app, src/main/electron). The supervisor sees only this interface.
 */
import { EventEmitter } from 'node:events';
import type { FrameSlots } from './frame-slots';

/**
 * V8 options for every camera worker. A worker keeps almost nothing alive between frames, but
 * V8 grows a busy process's young generation step by step up to 16 MB per semi-space, and the
 * frames' backing stores (malloc'd, freed only when a scavenge collects their buffers) pile up in
 * between. Measured over 5 minutes with 4 cameras: 115-125 MB RSS per worker without the cap,
 * stepping up at random moments in the first minutes; 75-80 MB and flat from 30 s with it, at
 * the same throughput. See docs/reliability.md (Soak).
 */
export const WORKER_EXEC_ARGV: readonly string[] = ['--max-semi-space-size=1'];

export interface LaunchOptions {
  cameraId: string;
  /** Unique per camera, so a crash reported by the host can be matched to its camera. */
  serviceName: string;
  /** Extra environment (fault injection in tests). */
  env?: Record<string, string>;
}

export interface WorkerProcessEvents {
  spawn: [];
  message: [data: unknown];
  /** code is null when a signal ended it. */
  exit: [code: number | null, signal: string | null];
  stderr: [line: string];
}

/** One child process. kill() on a dead child is a no-op; postMessage never throws. */
export abstract class WorkerProcess extends EventEmitter<WorkerProcessEvents> {
  private exited = false;
  private exitPromise: Promise<void>;
  private resolveExit!: () => void;
  /** Last lines of stderr, to say why a worker died. */
  readonly recentStderr: string[] = [];
  /** Where forwarded frames' pixels can go instead of inside the message (Node workers on Linux). */
  frameSlots: FrameSlots | null = null;

  constructor() {
    super();
    this.exitPromise = new Promise((resolve) => (this.resolveExit = resolve));
  }

  abstract get pid(): number | undefined;
  abstract postMessage(message: unknown, transfer?: unknown[]): boolean;
  protected abstract signal(signal: 'SIGTERM' | 'SIGKILL'): void;

  get alive(): boolean {
    return !this.exited;
  }

  kill(signal: 'SIGTERM' | 'SIGKILL' = 'SIGKILL'): void {
    if (!this.exited) this.signal(signal);
  }

  /** Waits for the exit; kills the child if it has not gone after `ms`. */
  async waitForExit(ms: number): Promise<void> {
    if (this.exited) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.kill('SIGKILL');
        resolve();
      }, ms);
    });
    await Promise.race([this.exitPromise, timeout]);
    clearTimeout(timer);
    await this.exitPromise;
  }

  /** The one path every ending goes through. */
  protected markExited(code: number | null, signal: string | null): void {
    if (this.exited) return;
    this.flushStderr();
    this.exited = true;
    this.emit('exit', code, signal);
    this.resolveExit();
  }

  /** The start of a stderr line whose end has not arrived yet (writes come in any pieces). */
  private partialStderr = '';

  protected noteStderr(chunk: string): void {
    const lines = (this.partialStderr + chunk).split('\n');
    this.partialStderr = lines.pop() ?? '';
    // Past the exit nothing more will come to end a partial line.
    if (this.partialStderr.length > 64 * 1024 || this.exited) lines.push(this.takePartial());
    for (const line of lines) this.noteStderrLine(line);
  }

  private takePartial(): string {
    const line = this.partialStderr;
    this.partialStderr = '';
    return line;
  }

  private flushStderr(): void {
    if (this.partialStderr) this.noteStderrLine(this.takePartial());
  }

  private noteStderrLine(line: string): void {
    // TF Lite logs this at every interpreter start; the delegate in use is in the stats already.
    if (!line.trim() || QUIET_STDERR.test(line)) return;
    this.recentStderr.push(line);
    if (this.recentStderr.length > 20) this.recentStderr.shift();
    this.emit('stderr', line);
  }
}

/** Worker stderr lines that say nothing the stats do not: left out of the log and of crash reasons. */
export const QUIET_STDERR = /^INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.?\s*$/;

export interface WorkerLauncher {
  readonly kind: 'node' | 'electron';
  launch(options: LaunchOptions): WorkerProcess;
}
