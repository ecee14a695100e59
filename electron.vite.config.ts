/**
 * electron-vite builds three parts into out/:
 *  - main (ESM, out/main): the app's main process, plus the camera worker entry that
 *    `import workerPath from '../workers/camera-worker?modulePath'` pulls in as its own file for
 *    utilityProcess.fork. Dependencies stay external (loaded from node_modules, or app.asar /
 *    app.asar.unpacked when packaged), so tfjs-tflite-node loads its native binding from disk.
 *  - preload (CommonJS, out/preload/index.cjs): a sandboxed preload cannot load ES modules or
 *    anything from node_modules, so it is one self-contained CommonJS file (zod bundled in).
 *  - renderer (out/renderer): the React app in src/renderer.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { devInlineScripts } from './vite.renderer.config';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: resolve(here, 'out/main'),
      externalizeDeps: true,
      sourcemap: true,
      rollupOptions: {
        input: { index: resolve(here, 'src/main/index.ts') },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(here, 'out/preload'),
      externalizeDeps: false,
      sourcemap: true,
      rollupOptions: {
        input: { index: resolve(here, 'src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(here, 'src/renderer'),
    plugins: [react(), devInlineScripts()],
    build: {
      outDir: resolve(here, 'out/renderer'),
      sourcemap: true,
      target: 'es2022',
      rollupOptions: {
        input: { index: resolve(here, 'src/renderer/index.html') },
      },
    },
  },
});
