/**
 * Starts serve mode for a test file, through the launcher the vitest harness uses too
 * (test/support/serve-process.ts): a fresh temporary config file, a free port (--port 0).
 * Everything it prints goes to a log the tests attach. stop() ends its whole process group
 * (serve mode, its camera workers and their ffmpeg) and waits.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { launchServe, type LaunchedServe } from '../../test/support/serve-process';

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
  if (initialConfig) writeFileSync(configFile, JSON.stringify(initialConfig));
  let launched: LaunchedServe;
  try {
    launched = await launchServe({ configFile, args: options.args, env: { ...options.env, XDG_CONFIG_HOME: dir }, startTimeoutMs: START_TIMEOUT_MS });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const { child, url, log, exited, killGroup } = launched;
  const parsed = new URL(url);
  const token = parsed.searchParams.get('token') ?? '';
  const origin = parsed.origin;
  let stopped = false;

  return {
    url,
    origin,
    token,
    configFile,
    log,
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
        killGroup('SIGTERM');
        const timer = setTimeout(() => killGroup('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      // Whatever is left of the group (a worker mid-restart) goes too.
      killGroup('SIGKILL');
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

export { pidAlive as processAlive } from '../../test/support/process';
