#!/usr/bin/env node
/**
 * `npm run build:serve [-- --if-stale] [server|renderer]`: builds serve mode (scripts/serve-build.mjs)
 * into out/serve and out/renderer-web. `--if-stale` builds only the parts whose sources changed.
 * All output goes to stderr.
 */
import { parseArgs } from 'node:util';
import { buildServe, PARTS } from './serve-build.mjs';

const { values, positionals } = parseArgs({ options: { 'if-stale': { type: 'boolean' } }, allowPositionals: true });
const unknown = positionals.filter((p) => !PARTS.includes(p));
if (unknown.length > 0) {
  process.stderr.write(`usage: node scripts/build-serve.mjs [--if-stale] [${PARTS.join('|')}]...\n`);
  process.exit(2);
}
try {
  const built = await buildServe({ parts: positionals.length > 0 ? positionals : PARTS, ifStale: values['if-stale'] });
  if (built.length === 0) process.stderr.write('serve build: up to date\n');
} catch (err) {
  process.stderr.write(`serve build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
