/**
 * One real-time point: serve mode (the product, as `npm run serve` runs it) with N engine-side file
 * cameras playing the scene clip at its own rate, nobody watching. Measures the CPU of serve mode's
 * whole process tree (serve, camera workers, their ffmpegs: utime + stime of every descendant from
 * /proc) over the window, and the cameras' counters from /api/stats (validated where they arrive).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { launchServe, type LaunchedServe } from '../../test/support/serve-process';
import { treeCpu } from './cpu';
import { sleep } from './driver';

export type DetectMode = 'always' | 'motion';

export interface ServePointOptions {
  dir: string;
  clip: string;
  cameras: number;
  model: string;
  mode: DetectMode;
  detectFps: number;
  warmupSeconds: number;
  seconds: number;
  /** The camera's record setting, when the configuration schema has one. */
  record: { mode: 'events' } | null;
  ffmpegPath: string;
}

export interface ServePoint {
  /** CPU of serve mode's process tree in the window, in cores. */
  cores: number;
  /** Processes in the tree at the end (serve, workers, ffmpegs). */
  processes: number;
  /** The same CPU by kind of process: serve mode itself, the camera workers, their ffmpegs. */
  by_process: { serve: number; workers: number; ffmpeg: number };
  wall_seconds: number;
  /** Inferences all cameras ran in the window, and frames they took from ffmpeg (detect.fps). */
  inferences: number;
  frames: number;
  /** frames / wall / cameras, against detect.fps: below 0.9 of it, the cameras do not keep real time. */
  frames_per_second_per_camera: number;
  skipped_no_motion: number;
  threads: number[];
  /** Worker restarts in the window (their CPU before the restart is not counted). */
  restarts: number;
  events: number;
  /** Recording segment files (.mp4) under the data folder's recordings/ at the end: the cameras' ffmpegs were recording. */
  recorded_files: number;
}

const StatsCamera = z.object({
  id: z.string(),
  state: z.string(),
  threads: z.number(),
  restarts: z.number(),
  framesInferred: z.number(),
  skipped: z.number(),
  skipped_no_motion: z.number().optional(),
});
export const Stats = z.object({ cameras: z.array(StatsCamera) });
export type Stats = z.infer<typeof Stats>;
const Events = z.object({ events: z.array(z.object({ id: z.string() })) });

async function getJson<T>(url: URL, schema: z.ZodType<T>): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`${url.pathname}: HTTP ${res.status}`);
  const parsed = schema.safeParse(await res.json());
  if (!parsed.success) throw new Error(`${url.pathname}: unexpected answer: ${parsed.error.message}`);
  return parsed.data;
}

function apiUrl(serveUrl: string, route: string): URL {
  const base = new URL(serveUrl);
  const url = new URL(route, base.origin);
  url.searchParams.set('token', base.searchParams.get('token') ?? '');
  return url;
}

interface Counters {
  inferences: number;
  frames: number;
  noMotion: number;
}

function countersOf(c: Stats['cameras'][number]): Counters {
  const noMotion = c.skipped_no_motion ?? 0;
  return { inferences: c.framesInferred, frames: c.framesInferred + c.skipped + noMotion, noMotion };
}

/**
 * What all cameras counted between two readings. A camera's counters belong to its worker's life:
 * one that restarted in between counts from 0 again, so its delta is what it counted since.
 */
export function countedBetween(before: Stats, after: Stats): Counters {
  const sum: Counters = { inferences: 0, frames: 0, noMotion: 0 };
  const earlier = new Map(before.cameras.map((c) => [c.id, countersOf(c)]));
  for (const camera of after.cameras) {
    const a = countersOf(camera);
    const b = earlier.get(camera.id);
    const restarted = !b || a.inferences < b.inferences || a.frames < b.frames;
    sum.inferences += restarted ? a.inferences : a.inferences - b.inferences;
    sum.frames += restarted ? a.frames : a.frames - b.frames;
    sum.noMotion += restarted ? a.noMotion : a.noMotion - b.noMotion;
  }
  return sum;
}

/** A process's command name (/proc/PID/comm), or '' when it is gone. */
function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** .mp4 files anywhere under `dir` (read only; 0 when it does not exist). */
function countMp4(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.mp4')).length;
  } catch {
    return 0;
  }
}

async function stopServe(serve: LaunchedServe): Promise<void> {
  serve.killGroup('SIGTERM');
  const ended = await Promise.race([serve.exited.then(() => true), sleep(20_000).then(() => false)]);
  // Serve mode ends its workers and their ffmpegs on SIGTERM; whatever is left of the group goes now.
  serve.killGroup('SIGKILL');
  if (!ended) await serve.exited;
}

export async function measureServePoint(o: ServePointOptions, progress: (text: string) => void): Promise<ServePoint> {
  const dir = path.join(o.dir, `serve-${o.model}-${o.mode}-${o.cameras}`.replace(/[^a-zA-Z0-9._-]/g, '_'));
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'config.json');
  const cameras = Array.from({ length: o.cameras }, (_, i) => ({
    id: `rt-${i}`,
    name: `Real time ${i}`,
    source: { kind: 'file', path: o.clip, loop: true, realtime: true },
    model: o.model,
    detect: { mode: o.mode, fps: o.detectFps },
    ...(o.record ? { record: o.record } : {}),
  }));
  writeFileSync(configFile, JSON.stringify({ cameras, settings: { ffmpegPath: o.ffmpegPath } }, null, 2));
  progress(`${o.model} ${o.mode} N=${o.cameras}: starting serve mode`);
  const serve = await launchServe({ configFile, args: ['--data', dir, '--log-level', 'warn'] });
  try {
    const statsUrl = apiUrl(serve.url, '/api/stats');
    // Every camera running and inferring (a new model is calibrated here first, in the background).
    const deadline = Date.now() + 180_000;
    for (;;) {
      const s = await getJson(statsUrl, Stats);
      if (s.cameras.length === o.cameras && s.cameras.every((c) => c.state === 'running' && c.framesInferred > 0)) break;
      if (Date.now() > deadline) throw new Error(`cameras not all running and inferring after 180 s: ${JSON.stringify(s.cameras.map((c) => [c.id, c.state, c.framesInferred]))}`);
      await sleep(500);
    }
    progress(`${o.model} ${o.mode} N=${o.cameras}: warming up`);
    await sleep(o.warmupSeconds * 1000);
    const root = serve.child.pid!;
    const cpuBefore = treeCpu(root);
    const before = await getJson(statsUrl, Stats);
    const started = performance.now();
    progress(`${o.model} ${o.mode} N=${o.cameras}: measuring ${o.seconds} s`);
    await sleep(o.seconds * 1000);
    const cpuAfter = treeCpu(root);
    const wall = (performance.now() - started) / 1000;
    const stats = await getJson(statsUrl, Stats);
    const counted = countedBetween(before, stats);
    let used = 0;
    const by = { serve: 0, workers: 0, ffmpeg: 0 };
    for (const [pid, seconds] of cpuAfter) {
      const delta = seconds - (cpuBefore.get(pid) ?? 0);
      used += delta;
      if (pid === root) by.serve += delta;
      else if (commandName(pid) === 'ffmpeg') by.ffmpeg += delta;
      else by.workers += delta;
    }
    const events = await getJson(apiUrl(serve.url, '/api/events?limit=500'), Events);
    return {
      cores: used / wall,
      processes: cpuAfter.size,
      by_process: { serve: by.serve / wall, workers: by.workers / wall, ffmpeg: by.ffmpeg / wall },
      wall_seconds: wall,
      inferences: counted.inferences,
      frames: counted.frames,
      frames_per_second_per_camera: counted.frames / wall / o.cameras,
      skipped_no_motion: counted.noMotion,
      threads: stats.cameras.map((c) => c.threads),
      restarts: stats.cameras.reduce((a, c) => a + c.restarts, 0) - before.cameras.reduce((a, c) => a + c.restarts, 0),
      events: events.events.length,
      recorded_files: countMp4(path.join(dir, 'recordings')),
    };
  } finally {
    await stopServe(serve);
  }
}
