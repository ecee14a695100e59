/**
 * Page-side E2E code (e2e/support/*-page.ts) as a script for page.addInitScript: bundled with
 * esbuild at test time into one IIFE, with the real modules it imports (contracts, the renderer's
 * bridges). Each entry is built once per run.
 */
import { buildSync } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const built = new Map<string, string>();

/** `entry` is a file name in e2e/support. */
export function pageScript(entry: string): string {
  let script = built.get(entry);
  if (script === undefined) {
    script = buildSync({
      entryPoints: [path.join(HERE, entry)],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      logLevel: 'silent',
    }).outputFiles[0].text;
    built.set(entry, script);
  }
  return script;
}
