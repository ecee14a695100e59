/**
 * Which Chromium the browser tests, the bench's browser peer and the dashboard bench drive, in this
 * order: PLAYWRIGHT_CHROMIUM_EXECUTABLE; else the system's (`chromium` on PATH, or Debian's
 * /usr/bin/chromium, see test/support/system-tools.ts); else the one inside the npm package
 * @sparticuz/chromium (a devDependency), so `npm install` is all a fresh machine needs. Nothing is
 * downloaded.
 *
 * That package ships a brotli-compressed headless Chromium (bin/chromium.br, ~67 MB) and unpacks it
 * with its executablePath() to the fixed os.tmpdir()/chromium, whatever the package's version,
 * trusting any file already there, and without care for two processes unpacking at once (the
 * Playwright workers, the vitest files). Here it is unpacked instead into
 * node_modules/.cache/sparticuz-chromium/VERSION/, through a temporary name renamed into place,
 * so a half-written binary is never run. Only the binary is used: the tests run Chromium with
 * --disable-gpu, and it plays H.264 through MSE as the system's does.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBrotliDecompress } from 'node:zlib';
import { pidAlive } from '../../test/support/process';
import { systemTool } from '../../test/support/system-tools';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const MISSING_CHROMIUM =
  'No Chromium found for the browser tests: `npm install` brings one (@sparticuz/chromium); or set PLAYWRIGHT_CHROMIUM_EXECUTABLE to a Chromium binary, or install the system\'s (apt-get install chromium).';

export interface FoundChromium {
  executablePath: string;
  /** Where it came from, for the line that says which one ran. */
  source: string;
}

/** The bundled Chromium's package folder and version, or null when the package is not installed. */
function bundledPackage(): { dir: string; version: string } | null {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  } catch {
    return null;
  }
  const dir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

/** Unpacks the bundled Chromium once per version; concurrent callers each write their own temporary file. */
async function unpackBundled(pkg: { dir: string; version: string }): Promise<string> {
  const target = path.join(REPO_ROOT, 'node_modules', '.cache', 'sparticuz-chromium', pkg.version);
  const executable = path.join(target, 'chromium');
  if (existsSync(executable)) return executable;
  mkdirSync(target, { recursive: true });
  // What an unpacker that was killed left behind (chromium.PID.part of a process that is gone).
  for (const name of readdirSync(target)) {
    const pid = /^chromium\.(\d+)\.part$/.exec(name)?.[1];
    if (pid && !pidAlive(Number(pid))) rmSync(path.join(target, name), { force: true });
  }
  const part = path.join(target, `chromium.${process.pid}.part`);
  try {
    await pipeline(createReadStream(path.join(pkg.dir, 'bin', 'chromium.br')), createBrotliDecompress(), createWriteStream(part, { mode: 0o755 }));
    renameSync(part, executable);
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
  return executable;
}

/** The Chromium to drive here; throws MISSING_CHROMIUM (or what is wrong with the one named) when there is none. */
export async function findChromium(): Promise<FoundChromium> {
  const fromEnv = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`PLAYWRIGHT_CHROMIUM_EXECUTABLE names ${fromEnv}, which does not exist`);
    return { executablePath: fromEnv, source: 'PLAYWRIGHT_CHROMIUM_EXECUTABLE' };
  }
  const system = systemTool(['chromium', 'chromium-browser'], ['/usr/bin/chromium', '/usr/lib/chromium/chromium']);
  if (system) return { executablePath: system, source: 'the system' };
  const pkg = bundledPackage();
  if (pkg) return { executablePath: await unpackBundled(pkg), source: `@sparticuz/chromium ${pkg.version}` };
  throw new Error(MISSING_CHROMIUM);
}

/** One line that says which Chromium runs: its path, where it came from and the version it reports. */
export function describeChromium(found: FoundChromium): string {
  let version = 'version unknown';
  try {
    version = execFileSync(found.executablePath, ['--version'], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch {
    // Said as unknown; launching it will say what is wrong.
  }
  return `Chromium for the browser tests: ${found.executablePath} (${version}, from ${found.source})`;
}

/**
 * The environment to launch Chromium with: one language whatever the machine's locale. Under
 * LANG=C.UTF-8 the bundled headless Chromium reports navigator.language as en-US@posix, which Intl
 * refuses, and the dashboard stops on it (--lang does not change that; LANG does).
 */
export function chromiumEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LANG: 'en_US.UTF-8' };
}

/** Headless, quiet, with four fake cameras (fake_device_0..3) and no permission prompt. */
export function chromiumArgs(extra: string[] = []): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream=device-count=4',
    // Capture must keep its clock even when the window is not in front.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    ...extra,
  ];
}

export const FACE_VIDEO = path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
