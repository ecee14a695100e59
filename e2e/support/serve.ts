/**
 * Starts serve mode as a child process for a test file: a fresh temporary config file, a free port
 * (--port 0), the URL read from its one stdout line. Everything it prints goes to a log the tests
 * attach. stop() ends its whole process group (npx, tsx, node and the camera workers) and waits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { REPO_ROOT } from './chromium';

export interface ApiStatsCamera {
  id: string;
  name: string;
  state: string;
  pid: number | null;
  threads: number;
  restarts: number;
  ips: number;
  ips1s?: number;
  p50_ms: number;
  p95_ms: number;
  skipped: number;
  framesInferred?: number;
  error?: string;
}

export interface ServeHandle {
  url: string;
  origin: string;
  token: string;
  configFile: string;
  log: () => string;
  stats: () => Promise<{ cameras: ApiStatsCamera[]; capacityIps: number | null }>;
  config: () => {
    cameras: Array<{ id?: string; name: string; source: { kind: string; label?: string } }>;
    settings?: { threadsPerInterpreter?: unknown; delegate?: string };
  };
  stop: () => Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

/** How a spec wants its serve mode: the config file it starts from, more command-line arguments, more environment. */
export interface ServeStartOptions {
  config?: object;
  args?: string[];
  env?: Record<string, string>;
}

export async function startServe(initialConfig?: object, options: Omit<ServeStartOptions, 'config'> = {}): Promise<ServeHandle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'multicam-e2e-'));
  const configFile = path.join(dir, 'config.json');
  if (initialConfig) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(configFile, JSON.stringify(initialConfig));
  }
  const child: ChildProcess = spawn('npx', ['tsx', 'src/serve/cli.ts', '--port', '0', '--config', configFile, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env, XDG_CONFIG_HOME: dir, FORCE_COLOR: '0' },
  });
  let log = '';
  let stdout = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve mode printed no URL within ${START_TIMEOUT_MS / 1000} s; its output:\n${log}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      log += chunk.toString();
      const line = stdout.split('\n').find((l) => /^https?:\/\/\S+\?token=\S+$/.test(l.trim()));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`serve mode exited (${signal ?? code}) before printing its URL; its output:\n${log}`));
    });
  }).catch(async (err: unknown) => {
    killGroup(child, 'SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });

  const parsed = new URL(url);
  const token = parsed.searchParams.get('token') ?? '';
  const origin = parsed.origin;
  let stopped = false;

  return {
    url,
    origin,
    token,
    configFile,
    log: () => log,
    async stats() {
      const res = await fetch(`${origin}/api/stats`, { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`/api/stats answered ${res.status}`);
      return (await res.json()) as { cameras: ApiStatsCamera[]; capacityIps: number | null };
    },
    config() {
      try {
        return JSON.parse(readFileSync(configFile, 'utf8'));
      } catch {
        // Not written yet (or caught mid-write): as good as empty, and callers poll.
        return { cameras: [] };
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      // Whatever is left of the group (a worker mid-restart) goes too.
      killGroup(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The size of the snapshot of a camera's newest event ('640x480'), or what is missing yet; for polling. */
export async function newestSnapshotSize(serve: ServeHandle, cameraId: string): Promise<string> {
  const get = (p: string) => fetch(`${serve.origin}${p}`, { headers: { Authorization: `Bearer ${serve.token}` } });
  const page = (await (await get(`/api/events?camera=${encodeURIComponent(cameraId)}&limit=1`)).json()) as { events: Array<{ snapshot: string | null }> };
  const url = page.events[0]?.snapshot;
  if (!url) return 'no event yet';
  const res = await get(url);
  if (!res.ok) return `snapshot ${res.status}`;
  const picture = jpeg.decode(new Uint8Array(await res.arrayBuffer()), { useTArray: true });
  return `${picture.width}x${picture.height}`;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export { pidAlive as processAlive } from '../../test/support/process';
