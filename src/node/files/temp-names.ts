/**
 * The names of the app's temp files: `.<target>.tmp-<pid>-<8 hex>` beside the file being written
 * (the same folder, so the rename is atomic). Older versions wrote snapshots through
 * `<target>.tmp-<pid>`; those are recognised too, so a crash of an older version is cleaned up.
 * The pid tells whether the save may still be running.
 */
import { randomBytes } from 'node:crypto';

const TEMP = /^\.(.+)\.tmp-(\d+)-[0-9a-f]{8}$/;
const LEGACY_TEMP = /^([^.].*)\.tmp-(\d+)$/;

export function tempNameFor(target: string): string {
  return `.${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The file a temp file was going to become, and the writer's pid; null for any other name. */
export function parseTempName(name: string): { target: string; pid: number } | null {
  const m = TEMP.exec(name) ?? LEGACY_TEMP.exec(name);
  return m ? { target: m[1], pid: Number(m[2]) } : null;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
