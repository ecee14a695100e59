/**
 * serve mode's command line as a user meets it: strict arguments, a config that is not a file,
 * the token kept between starts, a port another instance holds, and the renderer built when
 * missing. Real processes of serve mode's build (out/serve/cli.js).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseListenHost, parsePort, parseServeArgs } from '../../src/serve/args';
import { ROOT, startServe, type ServeProcess } from './helpers';
import { until } from '../support/process';
import { serveCommand } from '../support/serve-process';

const dirs: string[] = [];
const running: ServeProcess[] = [];

afterAll(async () => {
  for (const s of running) s.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-cli-'));
  dirs.push(dir);
  return dir;
}

/** Runs the CLI to its end (it must end by itself); its exit code and output. */
async function runCli(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, commandArgs] = await serveCommand(args);
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve ${args.join(' ')} did not end within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('arguments', () => {
  it('takes ports in decimal digits from 0 to 65535 only, and a non-empty host', () => {
    expect(parsePort('0')).toBe(0);
    expect(parsePort('8011')).toBe(8011);
    for (const bad of ['', ' ', '0x1f4b', '1e3', '80.0', '-1', '65536', '+80', '８０']) expect(() => parsePort(bad), bad).toThrow(/--port/);
    expect(parseListenHost('0.0.0.0')).toBe('0.0.0.0');
    expect(parseListenHost('[::1]')).toBe('::1');
    for (const bad of ['', '  ', 'http://x', 'a b', 'host:80']) expect(() => parseListenHost(bad), bad).toThrow(/--host/);
    expect(parseServeArgs(['--allow-host', 'Box.LAN', '--allow-host', '10.0.0.2'])).toMatchObject({ allowHosts: ['box.lan', '10.0.0.2'], portGiven: false });
    expect(() => parseServeArgs(['--allow-host', 'http://box.lan/'])).toThrow(/--allow-host/);
    expect(parseServeArgs([])).toMatchObject({ logLevel: 'info' });
    expect(parseServeArgs(['--log-level', 'debug'])).toMatchObject({ logLevel: 'debug' });
    for (const bad of ['', 'loud', 'INFO', 'silent']) expect(() => parseServeArgs(['--log-level', bad]), bad).toThrow(/--log-level must be one of trace, debug, info, warn, error, fatal/);
  });

  it('refuses an empty host and ports that are not plain decimal, before listening anywhere', async () => {
    for (const args of [['--host', ''], ['--port', ''], ['--port', '0x1f4b']]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^--(host|port|config) must/);
      expect(run.stderr).toContain('usage: npm run serve');
    }
  }, 120_000);

  it('refuses a FIFO or a device as --config instead of hanging', async () => {
    const dir = tempDir();
    const fifo = path.join(dir, 'config.json');
    execFileSync('mkfifo', [fifo]);
    for (const config of [fifo, '/dev/zero']) {
      const run = await runCli(['--port', '0', '--config', config]);
      expect(run.code, config).toBe(2);
      expect(run.stderr).toContain(`--config ${config} is not a regular file`);
    }
  }, 60_000);
});

describe('the access token', () => {
  it('is kept in the data directory (mode 0600): the same URL each start, a new one with --new-token', async () => {
    const first = await startServe({ cameras: [] });
    running.push(first);
    const dir = path.dirname(first.configFile);
    const tokenFile = path.join(dir, 'serve-token');
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(first.token);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(await first.terminate()).toBe(0);

    const second = await startServe(readFileSync(first.configFile, 'utf8'), [], dir);
    running.push(second);
    expect(second.token).toBe(first.token);
    expect(await second.terminate()).toBe(0);

    const rotated = await startServe(readFileSync(first.configFile, 'utf8'), ['--new-token'], dir);
    running.push(rotated);
    expect(rotated.token).not.toBe(first.token);
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(rotated.token);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    // The old token no longer opens anything.
    expect((await fetch(`${rotated.base}/api/stats`, { headers: { Authorization: `Bearer ${first.token}` } })).status).toBe(401);
    expect(await rotated.terminate()).toBe(0);
  }, 120_000);
});

describe('a port that is taken', () => {
  it('says another serve-mode instance holds it and how to pick another port', async () => {
    const first = await startServe({ cameras: [] });
    running.push(first);
    const dir = tempDir();
    const run = await runCli(['--port', String(first.port), '--config', path.join(dir, 'config.json')]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`port ${first.port} on 127.0.0.1 is taken: another instance of serve mode is running there`);
    expect(run.stderr).toContain('--port 0 picks a free one');
    expect(run.stderr).not.toContain('EADDRINUSE');
    expect(await first.terminate()).toBe(0);
  }, 90_000);
});

describe('npm run serve', () => {
  it('builds the web renderer first when it is missing (progress on stderr, stdout only the URL), then serves it', async () => {
    const built = path.join(ROOT, 'out', 'renderer-web');
    const aside = path.join(ROOT, 'out', `renderer-web.aside-${process.pid}`);
    const had = existsSync(built);
    if (had) renameSync(built, aside);
    const dir = tempDir();
    // scripts/serve.mjs is what `npm run serve` runs; detached, so a failed test can end its group.
    const child = spawn(process.execPath, ['scripts/serve.mjs', '--port', '0', '--config', path.join(dir, 'config.json')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => stdout.includes('\n') || child.exitCode !== null, 170_000, `serve mode to print its URL (stderr: ${stderr})`);
      expect(stderr).toContain('serve: building first (renderer: not built)');
      expect(stderr).toContain('serve build: web renderer built into out/renderer-web');
      expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+\n$/);
      const url = new URL(stdout.trim());
      const page = await fetch(`${url.origin}/`, { headers: { Authorization: `Bearer ${url.searchParams.get('token')}` } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      if (had && !existsSync(path.join(built, 'index.html'))) {
        rmSync(built, { recursive: true, force: true });
        renameSync(aside, built);
      } else rmSync(aside, { recursive: true, force: true });
    }
  }, 180_000);
});
