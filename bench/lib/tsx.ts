/** Starting this project's TypeScript in a child process or a worker thread, through tsx. */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { projectRoot } from '../../src/engine/paths';

function tsxDir(): string {
  const require = createRequire(path.join(projectRoot(), 'package.json'));
  return path.dirname(require.resolve('tsx/package.json'));
}

/** Flags for child_process.fork of a .ts file (what NodeLauncher does for the camera worker). */
export function tsxExecArgv(): string[] {
  return ['--import', pathToFileURL(path.join(tsxDir(), 'dist', 'loader.mjs')).href];
}

/**
 * A worker thread running a .ts file. A worker's loader hooks register asynchronously, after its
 * entry is resolved, so the entry is a tiny bootstrap that imports the file through tsx's API.
 */
export function tsWorker(file: string): Worker {
  const api = pathToFileURL(path.join(tsxDir(), 'dist', 'esm', 'api', 'index.mjs')).href;
  const target = pathToFileURL(file).href;
  const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(target)}, ${JSON.stringify(api)}))`;
  return new Worker(code, { eval: true });
}

export function benchFile(...parts: string[]): string {
  return path.join(projectRoot(), 'bench', ...parts);
}
