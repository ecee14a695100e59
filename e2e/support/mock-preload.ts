/**
 * The MOCK preload (mock-preload-page.ts) as a script for page.addInitScript: bundled with esbuild
 * at test time into one IIFE, with the real contracts it imports (encodeFrame). Built once per run.
 */
import { buildSync } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type { MockPreloadCounters } from './mock-preload-counters';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mock-preload-page.ts');

let script: string | null = null;

export function mockPreloadScript(): string {
  script ??= buildSync({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  }).outputFiles[0].text;
  return script;
}
