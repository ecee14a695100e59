/**
 * Builds the renderer on its own for serve mode: the same React app the desktop window loads,
 * served by plain Node from out/renderer-web. Relative base so it works under any path.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * index.html's CSP allows only the page's own scripts. Vite's dev server injects the React refresh
 * preamble inline, so while serving (never in a build) the meta policy lets inline scripts run.
 */
export function devInlineScripts(): Plugin {
  return {
    name: 'multicam:dev-inline-scripts',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
  };
}

export default defineConfig({
  root: resolve(here, 'src/renderer'),
  base: './',
  plugins: [react(), devInlineScripts()],
  build: {
    outDir: resolve(here, 'out/renderer-web'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // One chunk of about 600 kB (React, uPlot, zod) loaded from this machine: nothing to split.
    chunkSizeWarningLimit: 1024,
    // Rolldown's report of slow plugins is noise in serve mode's start-up log.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
