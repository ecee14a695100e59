/**
 * Serve mode's build, and whether it is fresh.
 *
 * Two parts, each built from the sources into out/:
 *  - server: out/serve/cli.js (serve mode) and out/serve/camera-worker.js (the process it forks for
 *    each camera and each calibration), bundled by esbuild. Every package stays external and loads
 *    from node_modules at run time (native bindings, model files, ffmpeg), so each one the bundles
 *    import must be a dependency, not a devDependency: the build checks that.
 *  - renderer: out/renderer-web, the React app built by vite (vite.renderer.config.ts).
 *
 * out/serve/build-stamp.json records the SHA-256 of every file each part was built from. A part is
 * stale when one of them changed or is gone (or, for the renderer, a file appeared in its source
 * folders). Checking needs only node:fs and node:crypto, so a production install (no
 * devDependencies) can check its build; building needs esbuild and vite, loaded only then.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PARTS = ['server', 'renderer'];

const SERVER_ENTRIES = { cli: 'src/serve/cli.ts', 'camera-worker': 'src/workers/camera-worker.ts' };
/** Files every build of a part depends on besides what the bundler reports. */
const SERVER_EXTRA = ['scripts/serve-build.mjs', 'package.json'];
const RENDERER_EXTRA = ['scripts/serve-build.mjs', 'vite.renderer.config.ts', 'package.json', 'package-lock.json'];
/** Folders whose every file counts for the renderer (its web worker and assets are not modules of the page). */
const RENDERER_FOLDERS = ['src/renderer', 'src/shared'];

export function outputs(root = ROOT) {
  return {
    serveDir: path.join(root, 'out', 'serve'),
    cli: path.join(root, 'out', 'serve', 'cli.js'),
    worker: path.join(root, 'out', 'serve', 'camera-worker.js'),
    rendererDir: path.join(root, 'out', 'renderer-web'),
    stamp: path.join(root, 'out', 'serve', 'build-stamp.json'),
  };
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function filesUnder(root, folder) {
  const found = [];
  const walk = (rel) => {
    let entries;
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = path.posix.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) found.push(child);
    }
  };
  walk(folder);
  return found;
}

function readStamp(root) {
  try {
    const stamp = JSON.parse(readFileSync(outputs(root).stamp, 'utf8'));
    return stamp && stamp.version === 1 ? stamp : null;
  } catch {
    return null;
  }
}

function inputsChanged(root, inputs) {
  for (const [rel, hash] of Object.entries(inputs)) {
    try {
      if (sha256(path.join(root, rel)) !== hash) return `${rel} changed`;
    } catch {
      return `${rel} is gone`;
    }
  }
  return null;
}

/**
 * Why each part must be built, or null when it is fresh: `{ server: 'src/x.ts changed', renderer: null }`.
 * Without sources (an install that ships out/ alone) a part that is there counts as fresh.
 */
export function staleParts(root = ROOT) {
  const out = outputs(root);
  const stamp = readStamp(root);
  const haveSources = existsSync(path.join(root, 'src'));
  const server = !existsSync(out.cli) || !existsSync(out.worker)
    ? 'not built'
    : !haveSources
      ? null
      : !stamp?.server
        ? 'built without a stamp'
        : inputsChanged(root, stamp.server.inputs);
  let renderer = !existsSync(path.join(out.rendererDir, 'index.html'))
    ? 'not built'
    : !haveSources
      ? null
      : !stamp?.renderer
        ? 'built without a stamp'
        : inputsChanged(root, stamp.renderer.inputs);
  if (!renderer && haveSources && stamp?.renderer) {
    const added = RENDERER_FOLDERS.flatMap((f) => filesUnder(root, f)).find((rel) => !(rel in stamp.renderer.inputs));
    if (added) renderer = `${added} is new`;
  }
  return { server, renderer };
}

/** Whether esbuild and vite can be loaded here (not in a production install). */
export function buildToolsInstalled(root = ROOT) {
  const require = createRequire(path.join(root, 'package.json'));
  try {
    require.resolve('esbuild');
    require.resolve('vite/package.json');
    return true;
  } catch {
    return false;
  }
}

function hashes(root, files) {
  const inputs = {};
  for (const rel of [...new Set(files)].sort()) {
    const abs = path.join(root, rel);
    if (existsSync(abs)) inputs[rel] = sha256(abs);
  }
  return inputs;
}

/** A bare import's package name (`@scope/name/sub` -> `@scope/name`), or null for a Node builtin. */
function packageOf(specifier) {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The engine bundles the camera worker from the sources when it is not given a built one
 * (src/engine/source-worker.ts, for tests and the bench; it loads esbuild or tsx). The built server
 * always forks its built worker, so that module is replaced by one that refuses: nothing in the
 * build can load a devDependency.
 */
const builtWorkerOnly = {
  name: 'built-worker-only',
  setup(build) {
    build.onResolve({ filter: /\/source-worker$/ }, () => ({ path: 'source-worker', namespace: 'built-worker-only' }));
    build.onLoad({ filter: /.*/, namespace: 'built-worker-only' }, () => ({
      contents: 'export function sourceWorkerEntry() { throw new Error("this build forks its built camera worker; pass workerFile"); }',
      loader: 'js',
    }));
  },
};

async function buildServer(root, log) {
  const require = createRequire(path.join(root, 'package.json'));
  const esbuild = await import(pathToFileURL(require.resolve('esbuild')).href);
  const out = outputs(root);
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: SERVER_ENTRIES,
    outdir: out.serveDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Dependencies load from node_modules at run time: native bindings, model files, ffmpeg.
    packages: 'external',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [builtWorkerOnly],
  });
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const runtime = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})]);
  const missing = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imp of output.imports) {
      const pkg = imp.external ? packageOf(imp.path) : null;
      if (pkg && !runtime.has(pkg)) missing.add(pkg);
    }
  }
  if (missing.size > 0) {
    throw new Error(`serve mode imports ${[...missing].join(', ')} at run time, but package.json lists ${missing.size > 1 ? 'them' : 'it'} outside "dependencies": a production install would not have ${missing.size > 1 ? 'them' : 'it'}`);
  }
  log(`serve build: server and camera worker bundled into ${path.relative(root, out.serveDir)}`);
  return hashes(root, [...Object.keys(result.metafile.inputs), ...SERVER_EXTRA]);
}

async function buildRenderer(root, log) {
  const require = createRequire(path.join(root, 'package.json'));
  const vite = await import(pathToFileURL(require.resolve('vite')).href);
  // logLevel warn: vite's progress goes to stdout, which serve mode keeps for its URL line alone.
  const result = await vite.build({ configFile: path.join(root, 'vite.renderer.config.ts'), logLevel: 'warn' });
  const modules = [];
  for (const output of Array.isArray(result) ? result : [result]) {
    for (const item of output.output ?? []) {
      for (const id of item.moduleIds ?? []) {
        const file = id.split('?')[0];
        const rel = path.relative(root, file).split(path.sep).join('/');
        // Packages count through package-lock.json: a production install removes the bundled ones
        // (they are devDependencies), which must not make its build look stale.
        if (path.isAbsolute(file) && !rel.startsWith('..') && !rel.startsWith('node_modules/') && existsSync(file)) modules.push(rel);
      }
    }
  }
  log(`serve build: web renderer built into ${path.relative(root, outputs(root).rendererDir)}`);
  return hashes(root, [...modules, ...RENDERER_FOLDERS.flatMap((f) => filesUnder(root, f)), ...RENDERER_EXTRA]);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** One build at a time per checkout: a lock file holding the builder's pid (a dead builder's lock is taken over). */
async function withLock(root, log, work) {
  const lock = path.join(root, 'out', 'serve-build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  let said = false;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lock, 'utf8').trim() || '0');
      if (holder > 0 && !pidAlive(holder)) {
        // Taken over by renaming, so that two waiters cannot both remove a new holder's lock.
        try {
          renameSync(lock, `${lock}.${process.pid}.stale`);
          rmSync(`${lock}.${process.pid}.stale`, { force: true });
        } catch {
          // another waiter took it over first
        }
        continue;
      }
      if (!said) log(`serve build: waiting for the build that process ${holder} is running`);
      said = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Builds the parts named (default both), or with `ifStale` only those that are stale; the stamp
 * is removed before and written after, so a stamp always describes complete outputs.
 */
export async function buildServe({ root = ROOT, parts = PARTS, ifStale = false, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  return withLock(root, log, async () => {
    const stale = staleParts(root);
    const todo = parts.filter((p) => !ifStale || stale[p]);
    if (todo.length === 0) return [];
    const out = outputs(root);
    const stamp = readStamp(root) ?? { version: 1 };
    rmSync(out.stamp, { force: true });
    for (const part of todo) {
      delete stamp[part];
      const started = Date.now();
      const inputs = part === 'server' ? await buildServer(root, log) : await buildRenderer(root, log);
      stamp[part] = { inputs };
      log(`serve build: ${part} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    mkdirSync(out.serveDir, { recursive: true });
    writeFileSync(`${out.stamp}.${process.pid}.tmp`, `${JSON.stringify(stamp, null, 1)}\n`);
    renameSync(`${out.stamp}.${process.pid}.tmp`, out.stamp);
    return todo;
  });
}

/**
 * What `npm run serve` and `npm start` do before serve mode runs: nothing when the build is fresh;
 * build what is stale when the build tools are installed (in a child process, its log on stderr);
 * without them, run a stale build with a warning, and refuse only when there is no build at all.
 */
export async function ensureServeBuild({ root = ROOT, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const stale = staleParts(root);
  const why = PARTS.filter((p) => stale[p]).map((p) => `${p}: ${stale[p]}`);
  if (why.length === 0) return;
  if (!buildToolsInstalled(root)) {
    if (stale.server === 'not built' || stale.renderer === 'not built') {
      throw new Error('serve mode is not built, and the build tools (devDependencies) are not installed: run `npm install`, then `npm run build`');
    }
    log(`serve: the build is older than the sources (${why.join('; ')}) and the build tools are not installed (a production install); running the build as it is`);
    return;
  }
  log(`serve: building first (${why.join('; ')})...`);
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'build-serve.mjs'), '--if-stale'], { cwd: root, stdio: ['ignore', 2, 2] });
    child.on('error', () => resolve(1));
    child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  if (code !== 0) throw new Error('building serve mode failed (output above)');
}
