#!/usr/bin/env node
/**
 * `npm start`: the desktop app when the Electron runtime is installed, serve mode otherwise.
 *
 * Electron's binary is downloaded by its postinstall script; where that cannot happen (offline
 * machines) require('electron') throws or names a file that does not exist. Then this says what
 * the desktop app needs and how to install it (missingElectronHelp), and runs serve mode's build in this process, as `npm run serve` does
 * (scripts/serve.mjs: it builds first when the build is missing or stale).
 * Arguments after `--` go to serve mode (e.g. `npm start -- --port 0`) or to electron-vite.
 *
 * stdout carries only what the started program prints (serve mode: its URL line); everything
 * this script says, and build logs, go to stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const args = process.argv.slice(2);

/**
 * The Electron executable, or null. require('electron') would try to download a missing binary
 * (and print to stdout while it fails), so the same lookup is done here first without that:
 * node_modules/electron/path.txt names the executable under dist/ (or ELECTRON_OVERRIDE_DIST_PATH).
 * Only when that file exists is require('electron') asked for the path.
 */
function electronBinary() {
  let dir;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const executable = readFileSync(pathFile, 'utf8').trim();
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(dir, 'dist');
  if (!executable || !existsSync(path.join(distDir, executable))) return null;
  try {
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** The installed electron package's version, or null when the package itself is missing. */
function electronVersion() {
  try {
    return require('electron/package.json').version;
  } catch {
    return null;
  }
}

/**
 * What is said when the runtime is missing: what the desktop app needs, how to get it where that
 * is possible (electron's own install script downloads it from GitHub, or from ELECTRON_MIRROR),
 * and that serve mode starts meanwhile. The first line is the one to grep for.
 */
export function missingElectronHelp(env, version = electronVersion()) {
  const runtime = version ? `the Electron ${version} runtime` : 'the Electron runtime';
  const lines = [`Electron runtime is not installed: the desktop app needs ${runtime} (about 100 MB, downloaded from GitHub when npm installs it); starting serve mode instead`];
  if (!version) lines.push('  to get it: npm ci (the electron package is missing from node_modules)');
  else {
    if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) lines.push('  ELECTRON_SKIP_BINARY_DOWNLOAD is set, so npm skipped the download; unset it first');
    lines.push('  to get it on a machine that can reach GitHub: node node_modules/electron/install.js, then npm start');
    lines.push('  behind a firewall, from a mirror: ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/ node node_modules/electron/install.js');
  }
  lines.push('  meanwhile the same dashboard runs in a browser: open the URL below (what npm run serve does)');
  return `${lines.join('\n')}\n`;
}

function binOf(pkg, name) {
  const dir = path.dirname(require.resolve(`${pkg}/package.json`));
  const manifest = require(`${pkg}/package.json`);
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name];
  return path.join(dir, bin);
}

/** Runs a child, passing on SIGINT and SIGTERM; resolves with its exit code. */
function run(command, commandArgs, stdio) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    // npm's shell dies on SIGTERM without passing it on: when the process that started this one
    // goes, the child is stopped as if it had been signalled.
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) forward('SIGTERM');
    }, 500);
    watch.unref();
    child.on('error', (err) => {
      process.stderr.write(`start: cannot run ${command}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      clearInterval(watch);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main() {
  if (electronBinary()) {
    // Builds main, preload and renderer, then launches the app.
    return run(process.execPath, [binOf('electron-vite', 'electron-vite'), 'preview', ...args], 'inherit');
  }
  process.stderr.write(missingElectronHelp(process.env));
  // Serve mode runs in this process, so SIGTERM and SIGINT reach it directly.
  await import('./serve.mjs');
  return undefined;
}

// Imported (by the test of the help text), nothing starts.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await main();
  if (code !== undefined) process.exitCode = code;
}
