#!/usr/bin/env node
/**
 * `npm run serve`: serve mode from its build. Builds first when the build is missing or stale
 * (scripts/serve-build.mjs; the build log goes to stderr), then runs out/serve/cli.js in this
 * process, so that SIGTERM and SIGINT reach it directly. Arguments go to serve mode.
 */
import { pathToFileURL } from 'node:url';
import { ensureServeBuild, outputs } from './serve-build.mjs';

try {
  await ensureServeBuild();
} catch (err) {
  process.stderr.write(`serve: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
await import(pathToFileURL(outputs().cli).href);
