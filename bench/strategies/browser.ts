/**
 * browser-wasm: what a browser-only app would get. @tensorflow/tfjs-tflite's WASM runtime in a
 * headless Chromium page, N interpreters on the one page (1 thread each: the page is not
 * cross-origin isolated, so the SIMD, non-threaded build loads), all on the main thread. Each stream
 * loops: normalise into the input tensor, infer(), BlazeFace decode (the app's decoder,
 * transpiled for the page), then yields a task. Reports inferences/s and the main thread's long
 * tasks (PerformanceObserver 'longtask'). Everything is served from 127.0.0.1; no network.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { projectRoot } from '../../src/engine/paths';
import { blazeFaceOptions, findManifestModel } from '../../src/shared/models';
import { percentile } from '../../src/shared/stats';
import { CpuMeter } from '../lib/cpu';
import type { BenchContext, RowDraft } from '../lib/types';
import { chromiumEnv, describeChromium, findChromium, type FoundChromium } from '../../e2e/support/chromium';
import { benchFile } from '../lib/tsx';

const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let chromiumFound: Promise<FoundChromium> | null = null;

/** The Chromium the E2E tests use (e2e/support/chromium.ts), looked for once per run. */
function chromiumBinary(): Promise<FoundChromium> {
  chromiumFound ??= findChromium();
  return chromiumFound;
}

function files() {
  const require = createRequire(path.join(projectRoot(), 'package.json'));
  const tflite = path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json'));
  let core: string;
  try {
    core = path.dirname(createRequire(path.join(tflite, 'package.json')).resolve('@tensorflow/tfjs-core/package.json'));
  } catch {
    core = '';
  }
  return {
    core: path.join(core, 'dist', 'tf-core.min.js'),
    tflite: path.join(tflite, 'dist', 'tf-tflite.min.js'),
    wasm: path.join(tflite, 'wasm'),
  };
}

type PlaywrightChromium = {
  launch(o: { executablePath: string; args: string[]; headless: boolean; env: NodeJS.ProcessEnv }): Promise<{
    newPage(): Promise<{
      goto(url: string): Promise<unknown>;
      waitForFunction(fn: string, arg?: unknown, o?: { timeout: number }): Promise<unknown>;
      evaluate<T>(fn: string): Promise<T>;
      on(event: 'pageerror' | 'console', l: (e: { message?: string; text?: () => string }) => void): void;
      close(): Promise<void>;
    }>;
    close(): Promise<void>;
  }>;
};

async function loadChromium(): Promise<PlaywrightChromium | null> {
  for (const name of ['playwright-core', '@playwright/test']) {
    try {
      const m = (await import(name)) as { chromium?: PlaywrightChromium; default?: { chromium?: PlaywrightChromium } };
      const c = m.chromium ?? m.default?.chromium;
      if (c) return c;
    } catch {
      // try the next one
    }
  }
  return null;
}

/** Why this strategy cannot run here, or null. */
export async function browserUnavailable(ctx: BenchContext): Promise<string | null> {
  try {
    await chromiumBinary();
  } catch (err) {
    return (err as Error).message;
  }
  if (!(await loadChromium())) return 'playwright-core is not installed';
  let f;
  try {
    f = files();
  } catch {
    return '@tensorflow/tfjs-tflite is not installed';
  }
  if (!existsSync(f.core)) return '@tensorflow/tfjs-core (peer dependency of @tensorflow/tfjs-tflite) is not installed';
  if (!existsSync(f.tflite) || !existsSync(f.wasm)) return `@tensorflow/tfjs-tflite files missing (${f.tflite})`;
  const m = findManifestModel(ctx.model.name);
  if (!m || m.decoder.type !== 'blazeface') return 'the page decodes BlazeFace models only';
  return null;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.tflite': 'application/octet-stream',
};

function startServer(ctx: BenchContext, streams: number): Promise<{ url: string; close: () => Promise<void> }> {
  const f = files();
  // The worker's own decoder, bundled with what it imports, as one module the page can load.
  const blazeface = buildSync({
    entryPoints: [path.join(projectRoot(), 'src', 'workers', 'decoders', 'blazeface.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    write: false,
  }).outputFiles[0].text;
  const frames = Buffer.concat(ctx.frames.slice(0, streams).map((fr) => Buffer.from(fr.data.buffer, fr.data.byteOffset, fr.data.byteLength)));
  const routes = new Map<string, () => Buffer | string>([
    ['/', () => readFileSync(benchFile('browser', 'page.html'))],
    ['/page.js', () => readFileSync(benchFile('browser', 'page.js'))],
    ['/blazeface.js', () => blazeface],
    ['/tf-core.js', () => readFileSync(f.core)],
    ['/tf-tflite.js', () => readFileSync(f.tflite)],
    ['/model.tflite', () => readFileSync(ctx.model.path)],
    ['/frames.bin', () => frames],
  ]);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let body: Buffer | string | undefined;
    let ext = path.extname(url.pathname) || '.html';
    const route = routes.get(url.pathname);
    if (route) body = route();
    else if (url.pathname.startsWith('/wasm/')) {
      const file = path.join(f.wasm, path.basename(url.pathname));
      if (existsSync(file)) body = readFileSync(file);
      ext = path.extname(file);
    }
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

interface PageRun {
  results: Array<[number, number, number?, number?, number?, number?, number?]>;
  longTasks: { count: number; totalMs: number };
}

export async function runBrowser(ctx: BenchContext, streams: number[], onRow: (r: RowDraft) => void): Promise<void> {
  const chromium = (await loadChromium())!;
  const manifest = findManifestModel(ctx.model.name)!;
  const server = await startServer(ctx, Math.max(...streams));
  const binary = await chromiumBinary();
  ctx.progress(`browser-wasm: starting ${describeChromium(binary)}`);
  const browser = await chromium.launch({ executablePath: binary.executablePath, args: LAUNCH_ARGS, headless: true, env: chromiumEnv() });
  try {
    for (const n of streams) {
      ctx.progress(`browser-wasm N=${n}: loading ${n} model${n > 1 ? 's' : ''} in the page`);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message ?? String(e)));
      try {
        await page.goto(server.url);
        await page.waitForFunction('window.benchReady === true', undefined, { timeout: 30_000 }).catch(() => {
          throw new Error(`the bench page did not start${errors.length ? `: ${errors[0]}` : ''}`);
        });
        const setup = {
          streams: n,
          decoder: blazeFaceOptions(manifest),
          normalization: manifest.normalization ?? { mean: 127.5, std: 127.5 },
          threshold: manifest.decoder.scoreThreshold,
        };
        const info = await page.evaluate<{ wasm: string[] }>(`window.benchSetup(${JSON.stringify(setup)})`);
        ctx.progress(`browser-wasm N=${n}: running`);
        const cpu = new CpuMeter();
        // The page runs its own warm-up and window; CPU is read around the whole call, minus the warm-up.
        const warmupMs = Math.round(ctx.warmupSeconds * 1000);
        const pending = page.evaluate<PageRun>(`window.benchRun(${JSON.stringify({ warmupMs, seconds: ctx.seconds })})`);
        await new Promise((r) => setTimeout(r, warmupMs));
        cpu.start();
        await new Promise((r) => setTimeout(r, ctx.seconds * 1000));
        const cpuReading = cpu.stop(ctx.cores);
        const run = await pending;
        const perStream = new Array<number>(n).fill(0);
        const latencies: number[] = [];
        let misattributed = 0;
        for (const [s, latency, score, x, y, w, h] of run.results) {
          perStream[s]++;
          latencies.push(latency);
          const detections = score === undefined ? [] : [{ score, box: { x: x!, y: y!, w: w!, h: h! } }];
          if (!ctx.attribution.isOwn(s, detections)) misattributed++;
        }
        const ips = run.results.length / ctx.seconds;
        onRow({
          strategy: 'browser-wasm',
          streams: n,
          threads: 1,
          delegate: 'wasm',
          interpreters: n,
          ips,
          per_stream_ips: ips / n,
          min_stream_ips: Math.min(...perStream) / ctx.seconds,
          max_stream_ips: Math.max(...perStream) / ctx.seconds,
          p50_ms: percentile(latencies, 50),
          p95_ms: percentile(latencies, 95),
          cpu: cpuReading.share,
          misattributed,
          dropped: 0,
          frames: run.results.length,
          long_tasks: { count: run.longTasks.count, total_ms: run.longTasks.totalMs },
          note: info.wasm.length ? `runtime ${info.wasm.join(', ')}` : undefined,
        });
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
}
