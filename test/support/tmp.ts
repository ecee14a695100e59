/**
 * Temporary directories for tests, removed when the test file ends (test/support/cleanup.ts is a
 * vitest setup file that calls removeTempDirs after each file), so no run leaves multicam-* folders
 * in the system temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
