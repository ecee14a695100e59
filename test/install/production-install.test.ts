/**
 * A production install runs serve mode: in a clone of this checkout's HEAD, `npm ci`, `npm run
 * build`, then `npm ci --omit=dev` (the devDependencies gone: no tsx, esbuild, vite or electron),
 * then `npm run serve`. It must serve the dashboard and run an engine-side file camera (a clip
 * made by ffmpeg now) whose worker infers frames. Slow (a clone and two installs, a minute or two):
 * its own file. MULTICAM_SKIP_PRODUCTION_INSTALL=1 skips it for the inner loop only; `npm test`
 * runs it. Only committed work is tested (the clone is of HEAD; a checkout without git is copied).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatsResponse } from '../../src/serve/metrics';
import { makeClipFolder, type ClipFolder } from '../support/clips';
import { pidAlive, until, untilValue } from '../support/process';
import { REPO } from '../support/serve-process';
import { tempDir } from '../support/tmp';

const skip = process.env.MULTICAM_SKIP_PRODUCTION_INSTALL === '1';

let serve: ChildProcess | null = null;
let clips: ClipFolder | null = null;

afterAll(() => {
  if (serve?.pid) {
    try {
      process.kill(-serve.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  clips?.remove();
});

/** Runs a command in `cwd` to its end; its output goes into the error when it fails. */
function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

/**
 * A clone of HEAD, as a user gets it; a checkout that is not a git repository (a source tarball)
 * is copied instead, without what an install or a build makes.
 */
function copyCheckout(app: string): void {
  let head: string | null = null;
  try {
    head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    head = null;
  }
  if (head) {
    run(path.dirname(app), 'git', ['clone', '--quiet', '--no-checkout', REPO, app]);
    run(app, 'git', ['checkout', '--quiet', head]);
    return;
  }
  const made = new Set(['node_modules', 'out', 'test-results', 'playwright-report', path.join('native', 'build')]);
  cpSync(REPO, app, { recursive: true, filter: (src) => !made.has(path.relative(REPO, src)) });
}

function jsFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(m?js|cjs)$/.test(name))
    .map((name) => path.join(dir, name));
}

describe.skipIf(skip)('a production install (npm ci --omit=dev after npm run build)', () => {
  it('serves the dashboard and runs an engine-side file camera with no devDependency installed', async () => {
    const work = tempDir('multicam-prod-');
    const app = path.join(work, 'app');
    copyCheckout(app);

    const npm = ['--no-audit', '--no-fund', '--prefer-offline'];
    run(app, 'npm', ['ci', ...npm]);
    run(app, 'npm', ['run', 'build']);
    // The desktop app's build cannot be launched here (no Electron runtime), but every file of it
    // must at least parse as the module it is: a camera worker chunk once declared `require` twice
    // (electron-vite's shim and the interpreter's own), a SyntaxError in every utility process.
    const desktopFiles = ['main', 'preload'].flatMap((dir) => jsFilesUnder(path.join(app, 'out', dir)));
    expect(desktopFiles.length).toBeGreaterThan(1);
    for (const file of desktopFiles) run(app, process.execPath, ['--check', file]);
    run(app, 'npm', ['ci', '--omit=dev', ...npm]);
    // What the test is about: the build tools and the dev-only runtimes are not there.
    for (const dev of ['tsx', 'esbuild', 'vite', 'electron', 'electron-vite', 'vitest', 'node-gyp']) {
      expect(existsSync(path.join(app, 'node_modules', dev)), `node_modules/${dev} after npm ci --omit=dev`).toBe(false);
    }
    expect(existsSync(path.join(app, 'out', 'serve', 'cli.js'))).toBe(true);

    // ffmpeg from the production install itself (an optional dependency), which the camera uses too.
    const ffmpeg = (await import(path.join(app, 'node_modules', '@ffmpeg-installer', 'ffmpeg', 'index.js'))).default.path as string;
    clips = makeClipFolder(ffmpeg);
    const data = path.join(work, 'data');
    mkdirSync(data);
    const configFile = path.join(data, 'config.json');
    writeFileSync(configFile, JSON.stringify({ cameras: [{ id: 'clip', name: 'Clip', source: { kind: 'file', path: clips.faceMp4, loop: true } }] }));

    // Detached: its own process group, so the end of the test ends npm, serve mode, the worker and ffmpeg.
    const child = spawn('npm', ['run', 'serve', '--', '--port', '0', '--config', configFile], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, XDG_CONFIG_HOME: path.join(work, 'xdg'), FORCE_COLOR: '0' },
    });
    serve = child;
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const url = new URL(
      await untilValue(
        "serve mode's URL",
        () => {
          if (child.exitCode !== null) throw new Error(`npm run serve exited with ${child.exitCode}:\n${stderr}`);
          return /^http:\/\/\S+\?token=\S+$/m.exec(stdout)?.[0];
        },
        180_000,
        100,
      ),
    );
    // The build was fresh: serve mode ran it as it was, building nothing.
    expect(stderr).not.toContain('building first');
    expect(stderr).not.toContain('build tools are not installed');
    const auth = { Authorization: `Bearer ${url.searchParams.get('token')}` };

    const page = await fetch(`${url.origin}/`, { headers: auth });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');

    const camera = await untilValue(
      'the file camera to infer frames',
      async () => {
        const stats = (await (await fetch(`${url.origin}/api/stats`, { headers: auth })).json()) as StatsResponse;
        const cam = stats.cameras.find((c) => c.id === 'clip');
        if (cam?.state === 'error') throw new Error(`the file camera failed: ${JSON.stringify(cam)}\n${stderr}`);
        return cam && cam.state === 'running' && cam.framesInferred > 0 ? cam : undefined;
      },
      180_000,
      250,
    );
    // Engine-side: the worker decodes the clip with its own ffmpeg.
    expect(camera.pid).toBeGreaterThan(0);
    expect(camera.ffmpeg_pid).toBeGreaterThan(0);

    process.kill(child.pid!, 'SIGTERM');
    await exited;
    await until(() => !pidAlive(camera.pid!), 30_000, 'the camera worker to exit');
  }, 900_000);
});
