/**
 * The camera worker for code that runs from the sources (tests, the bench, the detect CLI; never
 * the built serve mode, which forks out/serve/camera-worker.js): bundled once per launcher with
 * esbuild (about 60 ms) into a content-addressed file under node_modules/.cache, so that a worker
 * starts in plain Node, about 3x faster than through the tsx loader. Without esbuild it falls back
 * to tsx. Both are devDependencies, loaded only here.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from './paths';

export function sourceWorkerEntry(): { file: string; execArgv: string[] } {
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
