/**
 * Starts serve mode as a real child process: the one launcher behind the vitest harness
 * (test/serve/helpers.ts), the Playwright fixtures (e2e/support/serve.ts) and the dashboard bench.
 * It runs serve mode's build (out/serve/cli.js), as `npm run serve` does, building it first when
 * it is missing or stale (once per test process; `npm test` builds it before the tests start).
 * Its own process group (detached), so killGroup() takes serve mode, the camera workers and
 * their ffmpeg at once. Resolves once serve mode prints its URL; a start that prints none within
 * the time limit, or exits first, kills the group and rejects with what it printed.
 */
import { parseLogRecords, type LogRecord } from './log-capture';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ensureServeBuild, outputs } from '../../scripts/serve-build.mjs';

export const REPO = path.resolve(import.meta.dirname, '..', '..');

let built: Promise<void> | null = null;

/** Builds serve mode when its build is missing or stale; once per process. */
export function serveBuilt(): Promise<void> {
  built ??= ensureServeBuild({ root: REPO });
  return built;
}

/** The command line that runs built serve mode with these arguments. */
export async function serveCommand(args: string[]): Promise<[string, string[]]> {
  await serveBuilt();
  return [process.execPath, [outputs(REPO).cli, ...args]];
}
const URL_LINE = /^https?:\/\/\S+\?token=\S+$/;

export interface LaunchServeOptions {
  configFile: string;
  args?: string[];
  env?: Record<string, string>;
  /** No URL within this long: the process group is killed and the start fails (default 120 s). */
  startTimeoutMs?: number;
}

export interface LaunchedServe {
  child: ChildProcess;
  /** The URL line, token included. */
  url: string;
  /** stderr so far. */
  stderr(): string;
  /** The log records in stderr so far (its JSON lines). */
  records(): LogRecord[];
  /** stdout and stderr so far, as they came. */
  log(): string;
  /** Resolves with the exit code when the spawned process has exited. */
  exited: Promise<number | null>;
  killGroup(signal?: NodeJS.Signals): void;
}

export async function launchServe(options: LaunchServeOptions): Promise<LaunchedServe> {
  const [command, args] = await serveCommand(['--port', '0', '--config', options.configFile, ...(options.args ?? [])]);
  const child = spawn(command, args, {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, FORCE_COLOR: '0', ...options.env },
  });
  let stderr = '';
  let log = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    stderr += c;
    log += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killGroup = (signal: NodeJS.Signals = 'SIGKILL') => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      // Nobody gets a handle to a serve mode that never started: its whole group goes here.
      killGroup();
      reject(new Error(`serve mode printed no URL within ${startTimeoutMs} ms; its output:\n${log}`));
    }, startTimeoutMs);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      out += c;
      log += c;
      const line = out.split('\n').find((l) => URL_LINE.test(l.trim()));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve mode exited (${signal ?? code}) before printing its URL; its output:\n${log}`));
    });
  });
  return { child, url, stderr: () => stderr, records: () => parseLogRecords(stderr), log: () => log, exited, killGroup };
}
