/**
 * Tools the tests use when the system has them (Debian's mosquitto, Chromium, promtool) and do
 * without, or replace from npm, when it does not. A tool is looked for on PATH, then in the fixed
 * places Debian installs it that PATH may not cover (/usr/sbin for a user who is not root).
 * MULTICAM_TOOLS_PATH_ONLY=1 leaves the fixed places out: with a PATH that hides the tools (as
 * .ci/without-system-tools makes), the tests then run as on a machine that never installed them.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export const PATH_ONLY_VARIABLE = 'MULTICAM_TOOLS_PATH_ONLY';

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first of `names` found on PATH. */
export function onPath(...names: string[]): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (isExecutableFile(file)) return file;
    }
  }
  return null;
}

/** A system tool by its names on PATH, else at one of its fixed places (unless PATH only is asked for). */
export function systemTool(names: string[], fixedPlaces: string[] = []): string | null {
  const found = onPath(...names);
  if (found || process.env[PATH_ONLY_VARIABLE] === '1') return found;
  return fixedPlaces.find(isExecutableFile) ?? null;
}
