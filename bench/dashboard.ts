/**
 * npm run bench:dashboard -- [--cameras 1,4,8] [--seconds S] [--json FILE]
 *
 * Does the dashboard keep up? For each N: serve mode with N cameras on Chromium's fake devices
 * (--use-fake-device-for-media-stream=device-count=N), the page opened in headless Chromium, and
 * once every camera is inferring, S seconds measured in the page: its frame rate (animation frames
 * a second) and its long tasks (PerformanceObserver 'longtask': count, total time, share of the
 * wall time), with each camera's inferences/s and source frames/s as the tiles show them. Prints a
 * table and writes JSON. Measures, never judges.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { z } from 'zod';
import { chromiumArgs, chromiumEnv, describeChromium, findChromium, REPO_ROOT } from '../e2e/support/chromium';
import { startServe } from '../e2e/support/serve';

export const DashboardRun = z.object({
  cameras: z.number().int().positive(),
  /** Animation frames the page painted per second. */
  fps: z.number().nonnegative(),
  longTasks: z.number().int().nonnegative(),
  longTaskMs: z.number().nonnegative(),
  /** Long-task time over wall time, 0..1. */
  longTaskShare: z.number().min(0).max(1),
  /** How the page hands pictures to its capture workers. */
  grabMode: z.enum(['track-processor', 'bitmaps', 'unknown']),
  perCamera: z.array(z.object({ name: z.string(), ips: z.number().nonnegative(), sourceFps: z.number().nonnegative() })),
});
export const DashboardJson = z.object({
  kind: z.literal('dashboard'),
  at: z.string(),
  machine: z.object({ cores: z.number().int().positive(), loadavg1: z.number().nonnegative(), cpu: z.string() }),
  seconds: z.number().positive(),
  runs: z.array(DashboardRun).min(1),
});
export type DashboardJson = z.infer<typeof DashboardJson>;
type DashboardRun = z.infer<typeof DashboardRun>;

const READY_TIMEOUT_MS = 180_000;

function parseArgs(argv: string[]): { cameras: number[]; seconds: number; json: string } {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const cameras = (get('cameras') ?? '1,4,8').split(',').map((s) => Number(s.trim()));
  if (cameras.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) throw new Error('--cameras takes whole numbers from 1 to 16, e.g. 1,4,8');
  const seconds = Number(get('seconds') ?? '5');
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new Error('--seconds takes a number above 0 and up to 600');
  return { cameras, seconds, json: get('json') ?? path.join(REPO_ROOT, 'bench', 'results', 'dashboard-latest.json') };
}

function ensureRenderer(): void {
  if (existsSync(path.join(REPO_ROOT, 'out', 'renderer-web', 'index.html'))) return;
  process.stderr.write('building the renderer (npm run build:renderer)…\n');
  execFileSync('npm', ['run', 'build:renderer'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Installed in the page before its own scripts: counts animation frames and long tasks on demand. */
const PROBE = `
(() => {
  const probe = { frames: 0, longTasks: 0, longTaskMs: 0, measuring: false };
  window.__dashboardProbe = probe;
  const tick = () => { if (probe.measuring) probe.frames++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new PerformanceObserver((list) => {
    if (!probe.measuring) return;
    for (const entry of list.getEntries()) { probe.longTasks++; probe.longTaskMs += entry.duration; }
  }).observe({ type: 'longtask', buffered: false });
})();
`;

async function tileFigures(page: Page): Promise<Array<{ name: string; ips: number; sourceFps: number; state: string }>> {
  return page.getByTestId('camera-tile').evaluateAll((tiles) =>
    tiles.map((t) => {
      const el = t as unknown as { getAttribute(n: string): string | null; querySelector(s: string): { getAttribute(n: string): string | null } | null };
      return {
        name: el.getAttribute('data-camera-name') ?? '',
        state: el.querySelector('[data-testid="camera-state"]')?.getAttribute('data-state') ?? '',
        ips: Number(el.querySelector('[data-testid="ips"]')?.getAttribute('data-value') ?? 0),
        sourceFps: Number(el.querySelector('[data-testid="capture-fps"]')?.getAttribute('data-value') || 0),
      };
    }),
  );
}

async function measure(n: number, seconds: number, executablePath: string): Promise<DashboardRun> {
  const cameras = Array.from({ length: n }, (_, i) => ({ name: `Cam ${i}`, source: { kind: 'webcam', label: `fake_device_${i}` } }));
  const serve = await startServe({ cameras });
  const args = chromiumArgs().filter((a) => !a.startsWith('--use-fake-device-for-media-stream'));
  const browser = await chromium.launch({ executablePath, args: [...args, `--use-fake-device-for-media-stream=device-count=${n}`], env: chromiumEnv() });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 960 } });
    await context.addInitScript({ content: PROBE });
    const page = await context.newPage();
    await page.goto(serve.url);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const tiles = await tileFigures(page);
      if (tiles.length === n && tiles.every((t) => t.state === 'running' && t.ips > 0)) break;
      if (Date.now() > deadline) throw new Error(`${n} cameras: not all inferring after ${READY_TIMEOUT_MS / 1000} s (${JSON.stringify(tiles)})`);
      await page.waitForTimeout(500);
    }
    await page.waitForTimeout(3000); // warm-up: 5 s rates settle, first inferences are slower
    const started = await page.evaluate(() => {
      const g = globalThis as unknown as { __dashboardProbe: Record<string, number | boolean>; performance: { now(): number } };
      Object.assign(g.__dashboardProbe, { frames: 0, longTasks: 0, longTaskMs: 0, measuring: true });
      return g.performance.now();
    });
    await page.waitForTimeout(seconds * 1000);
    const probe = await page.evaluate(() => {
      const g = globalThis as unknown as { __dashboardProbe: { frames: number; longTasks: number; longTaskMs: number; measuring: boolean }; performance: { now(): number } };
      g.__dashboardProbe.measuring = false;
      return { ...g.__dashboardProbe, now: g.performance.now() };
    });
    const grabMode = await page.evaluate(() => ('MediaStreamTrackProcessor' in globalThis ? 'track-processor' : 'bitmaps'));
    const tiles = await tileFigures(page);
    const wallMs = probe.now - started;
    return {
      cameras: n,
      fps: probe.frames / (wallMs / 1000),
      longTasks: probe.longTasks,
      longTaskMs: probe.longTaskMs,
      longTaskShare: Math.min(1, probe.longTaskMs / wallMs),
      grabMode,
      perCamera: tiles.map(({ name, ips, sourceFps }) => ({ name, ips, sourceFps })),
    };
  } finally {
    await browser.close().catch(() => undefined);
    await serve.stop();
  }
}

export function formatTable(result: DashboardJson): string {
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const rows = result.runs.map((r) => [
    String(r.cameras),
    r.fps.toFixed(1),
    String(r.longTasks),
    `${r.longTaskMs.toFixed(0)} ms`,
    `${(r.longTaskShare * 100).toFixed(1)} %`,
    mean(r.perCamera.map((c) => c.ips)).toFixed(1),
    mean(r.perCamera.map((c) => c.sourceFps)).toFixed(1),
    r.grabMode,
  ]);
  const head = ['cameras', 'page fps', 'long tasks', 'long-task time', 'long-task share', 'inf/s per camera', 'source fps per camera', 'capture'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const chromium = await findChromium();
  const executablePath = chromium.executablePath;
  process.stderr.write(`dashboard: ${describeChromium(chromium)}\n`);
  ensureRenderer();
  const runs: DashboardRun[] = [];
  for (const n of options.cameras) {
    process.stderr.write(`dashboard: ${n} camera${n === 1 ? '' : 's'}, ${options.seconds} s…\n`);
    runs.push(await measure(n, options.seconds, executablePath));
  }
  const result = DashboardJson.parse({
    kind: 'dashboard',
    at: new Date().toISOString(),
    machine: { cores: os.availableParallelism(), loadavg1: os.loadavg()[0], cpu: os.cpus()[0]?.model ?? 'unknown' },
    seconds: options.seconds,
    runs,
  });
  const load = result.machine.loadavg1;
  process.stdout.write(
    `The dashboard in Chromium with N fake cameras in serve mode, over ${options.seconds} s each, on ${result.machine.cores} cores` +
      `${load > result.machine.cores ? ` (load average ${load.toFixed(1)}: other programs were busy, so these figures are low)` : ''}:\n\n`,
  );
  process.stdout.write(`${formatTable(result)}\n\n`);
  mkdirSync(path.dirname(options.json), { recursive: true });
  writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`JSON: ${path.relative(process.cwd(), options.json)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
