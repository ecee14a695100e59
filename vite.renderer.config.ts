/**
 * Builds the renderer on its own for serve mode: the same React app the desktop window loads,
 * served by plain Node from out/renderer-web. Relative base so it works under any path.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: resolve(here, 'src/renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(here, 'out/renderer-web'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
});
