/**
 * Children that end with their parent, even when the parent is SIGKILLed and cannot clean up.
 *
 * On Linux the child is started through util-linux's `setpriv --pdeathsig KILL`, which asks the
 * kernel to SIGKILL it the moment its parent dies, then execs the real program (same pid).
 * Where setpriv is missing (macOS, Windows, minimal images) the child still ends when it next
 * writes to its stdout pipe and finds the reader gone (EPIPE); a child stuck waiting on the
 * network notices only then. The tests check the Linux path with a real SIGKILL.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { findExecutable } from '../../node/which';

let setprivPath: string | null | undefined;

/** setpriv with --pdeathsig support, or null. Looked up once per process. */
export function deathSignalWrapper(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  if (process.platform !== 'linux') return setprivPath;
  const found = findExecutable('setpriv', `${process.env.PATH ?? ''}:/usr/bin:/bin`);
  if (!found) return setprivPath;
  const help = spawnSync(found, ['--help'], { encoding: 'utf8', timeout: 5000 });
  if (`${help.stdout}${help.stderr}`.includes('--pdeathsig')) setprivPath = found;
  return setprivPath;
}

export interface BoundChild {
  child: ChildProcess;
  /** True when the kernel will kill the child with its parent (setpriv), false when only pipe EOF will. */
  boundByKernel: boolean;
}

export function spawnBound(command: string, args: readonly string[], options: SpawnOptions): BoundChild {
  const setpriv = deathSignalWrapper();
  if (setpriv) {
    return { child: spawn(setpriv, ['--pdeathsig', 'KILL', '--', command, ...args], options), boundByKernel: true };
  }
  return { child: spawn(command, args, options), boundByKernel: false };
}
