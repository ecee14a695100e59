/**
 * Small process and timing helpers shared by the vitest suites and the Playwright E2E support.
 */
import { readFileSync } from 'node:fs';

/** True while a process with this pid exists (signal 0 checks without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true; // it exists, owned by someone else
    throw err;
  }
}

/**
 * True once a process has ended, counting a zombie (ended, its exit status not yet collected) as
 * ended: a process whose parent was killed is reparented to init, which may reap it only later.
 * Linux reads the state from /proc; elsewhere this is !pidAlive.
 */
export function processEnded(pid: number): boolean {
  if (!pidAlive(pid)) return true;
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) STATE ...; comm may hold spaces or parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true; // gone between the two looks
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits `ms` to see that something does NOT happen (no restart, no new process, no result). Only
 * for such absence checks: to wait for something that does happen, poll with until/untilValue.
 */
export function quietPeriod(ms: number): Promise<void> {
  return sleep(ms);
}

/** Polls until check() is true; throws with `what` after timeoutMs. */
export async function until(check: () => boolean, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

type Maybe<T> = T | undefined | null | false;

/**
 * Polls until probe() gives a value (not undefined, null or false) and returns it; throws with
 * `what` after timeoutMs. The probe may be async (an HTTP request); polls never overlap.
 */
export async function untilValue<T>(what: string, probe: () => Maybe<T> | Promise<Maybe<T>>, timeoutMs = 90_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Peak resident memory of a live process so far (Linux's VmHWM), in bytes; 0 once it is gone. */
export function peakRss(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
