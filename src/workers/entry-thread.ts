/**
 * A worker_thread of the camera's process that runs the camera worker's own entry, workerData
 * saying which thread it is (the ffmpeg reader, the snapshot thread). A built entry (.js, .mjs)
 * starts as it is. An entry run from its TypeScript source (tests that fork the worker through
 * tsx) starts through tsx's loader, registered in the thread first: Node 20 does not pass the
 * parent's `--import` on to a thread.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface EntryThread {
  url: URL;
  execArgv?: string[];
}

export function startEntryThread(entry: EntryThread, role: string): Worker {
  const options = { workerData: { role }, execArgv: entry.execArgv };
  if (!entry.url.pathname.endsWith('.ts')) return new Worker(entry.url, options);
  // The package's ESM build (its `import` export), beside package.json.
  const root = path.dirname(createRequire(entry.url).resolve('tsx/package.json'));
  const tsx = pathToFileURL(path.join(root, 'dist', 'esm', 'api', 'index.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.url.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
