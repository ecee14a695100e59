/**
 * Which ffmpeg the engine runs: the `ffmpegPath` setting if set, else `ffmpeg` on the PATH, else
 * the static binary inside the optional npm package @ffmpeg-installer/ffmpeg. Main resolves it
 * once and hands the absolute path to each camera worker; settings and /api/stats show the
 * origin and version.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { findExecutable, isExecutable } from './which';

export type FfmpegOrigin = 'setting' | 'path' | 'npm';

export interface FfmpegBinary {
  path: string;
  origin: FfmpegOrigin;
  /** What `ffmpeg -version` says, e.g. "5.1.9-0+deb12u1" or "N-47683-g0e8eb07980-static". */
  version: string;
}

export interface ResolveOptions {
  /** The `ffmpegPath` setting; empty or undefined means "not set". */
  setting?: string | null;
  /** The PATH to search (default process.env.PATH). */
  envPath?: string;
  /** Where the npm package's binary is, or null when the package is not installed. */
  npmBinary?: () => string | null;
}

export class FfmpegNotFoundError extends Error {}

/** The first `ffmpeg` on a PATH string, or null. */
export function findOnPath(envPath: string): string | null {
  return findExecutable('ffmpeg', envPath);
}

/** The npm package's binary; in a packaged app it lives in app.asar.unpacked (see electron-builder.yml). */
export function npmFfmpegBinary(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const found = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    const unpacked = found.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    return isExecutable(unpacked) ? unpacked : isExecutable(found) ? found : null;
  } catch {
    return null; // an optional dependency: absent on platforms it does not cover
  }
}

/** Runs `ffmpeg -version` and returns the version word; throws with ffmpeg's reason if it does not run. */
export function ffmpegVersion(binary: string): string {
  const out = execFileSync(binary, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  const m = /ffmpeg version (\S+)/.exec(out);
  if (!m) throw new Error(`${binary} -version did not say which ffmpeg it is`);
  return m[1];
}

export function resolveFfmpeg(options: ResolveOptions = {}): FfmpegBinary {
  const setting = options.setting?.trim();
  if (setting) {
    const file = path.resolve(setting);
    if (!isExecutable(file)) throw new FfmpegNotFoundError(`the ffmpegPath setting names ${file}, which is not an executable file`);
    return { path: file, origin: 'setting', version: versionOrThrow(file) };
  }
  const onPath = findOnPath(options.envPath ?? process.env.PATH ?? '');
  if (onPath) return { path: onPath, origin: 'path', version: versionOrThrow(onPath) };
  const npm = (options.npmBinary ?? npmFfmpegBinary)();
  if (npm) return { path: npm, origin: 'npm', version: versionOrThrow(npm) };
  throw new FfmpegNotFoundError(
    'no ffmpeg found: set ffmpegPath, put ffmpeg on the PATH, or install the optional dependency @ffmpeg-installer/ffmpeg',
  );
}

function versionOrThrow(file: string): string {
  try {
    return ffmpegVersion(file);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new FfmpegNotFoundError(`${file} does not run as ffmpeg: ${message}`);
  }
}
