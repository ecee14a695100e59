/**
 * Every command that serves the dashboard builds it first when it is missing (a fresh clone, or
 * after `npm install`): vite builds out/renderer-web, its progress on stderr (stdout carries only
 * the URL line). A failed build leaves serve mode running; the page then says how to build it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export function rendererBuilt(rendererDir: string): boolean {
  return existsSync(path.join(rendererDir, 'index.html'));
}

/** Builds the web renderer when it is not built; resolves with whether it is built now. */
export async function ensureRendererBuilt(projectRoot: string, rendererDir: string, log: (line: string) => void, signal?: AbortSignal): Promise<boolean> {
  if (rendererBuilt(rendererDir)) return true;
  const config = path.join(projectRoot, 'vite.renderer.config.ts');
  let vite: string;
  try {
    const require = createRequire(path.join(projectRoot, 'package.json'));
    const manifest = require('vite/package.json') as { bin: string | Record<string, string> };
    vite = path.join(path.dirname(require.resolve('vite/package.json')), typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.vite);
  } catch {
    log('serve: the web renderer is not built and vite is not installed (npm install); the page will say so');
    return false;
  }
  if (!existsSync(config)) {
    log(`serve: the web renderer is not built and ${config} is missing; the page will say so`);
    return false;
  }
  log('serve: building the web renderer (first start only; about a minute on a slow machine)...');
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', config], { cwd: projectRoot, stdio: ['ignore', process.stderr, process.stderr], signal });
    child.on('error', (err) => {
      if (!signal?.aborted) log(`serve: cannot run vite: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  if (code !== 0 || !rendererBuilt(rendererDir)) {
    log('serve: building the web renderer failed (output above); the page will answer 503 until `npm run build:renderer` succeeds');
    return false;
  }
  log(`serve: web renderer built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}
