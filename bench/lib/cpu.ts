/**
 * CPU time of this process and all its descendants (worker processes, Chromium's processes), read
 * from /proc: utime + stime of every process in the tree. Threads of a process count in it.
 * Where /proc is missing (not Linux), only this process is counted, through process.cpuUsage().
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux kernel Node supports.

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { pid, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** CPU seconds used so far by the process tree rooted at `root`, per pid. */
export function treeCpu(root = process.pid): Map<number, number> {
  const out = new Map<number, number>();
  if (!existsSync('/proc/self/stat')) {
    const u = process.cpuUsage();
    out.set(process.pid, (u.user + u.system) / 1e6);
    return out;
  }
  const all: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) all.push(s);
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of all) {
    const list = children.get(s.ppid) ?? [];
    list.push(s);
    children.set(s.ppid, list);
  }
  const self = all.find((s) => s.pid === root);
  const queue: ProcStat[] = self ? [self] : [];
  while (queue.length > 0) {
    const s = queue.shift()!;
    out.set(s.pid, s.ticks / TICKS_PER_SECOND);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

/**
 * CPU seconds the whole machine has spent busy (every core, everything but idle and iowait), from
 * /proc/stat; null where there is no /proc.
 */
function machineBusySeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    if (!line) return null;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    return busy / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU seconds of this process tree, including children that have exited and been waited for
 * (cutime, cstime): worker processes that came and went during a measurement still count as ours.
 */
function treeCpuWithReaped(root = process.pid): number | null {
  const pids = treeCpu(root);
  let total = 0;
  for (const pid of pids.keys()) {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND;
    } catch {
      // gone since the tree was read: its time is in its parent's cutime by now, or lost (tiny)
    }
  }
  return pids.size > 0 ? total : null;
}

/** Busy CPU seconds of the machine and of this process tree, at one moment. */
export interface CpuSnapshot {
  machine: number;
  ours: number;
  at: number;
}

export function cpuSnapshot(): CpuSnapshot | null {
  const machine = machineBusySeconds();
  const ours = treeCpuWithReaped();
  return machine === null || ours === null ? null : { machine, ours, at: performance.now() };
}

/**
 * Share of all cores OTHER programs used between two snapshots: all busy CPU time (from
 * /proc/stat) minus this process tree's. 0.5 on 2 cores = one core taken by something else.
 */
export function otherShare(a: CpuSnapshot | null, b: CpuSnapshot | null, cores = os.availableParallelism()): number | null {
  if (!a || !b) return null;
  const wall = (b.at - a.at) / 1000;
  if (wall <= 0) return null;
  return Math.min(1, Math.max(0, (b.machine - a.machine - (b.ours - a.ours)) / wall / cores));
}

/**
 * How much of the machine other programs used while something ran. The plain-words summaries
 * warn on it: a busy machine makes every figure lower and less certain.
 */
export class OtherLoadMeter {
  private first: CpuSnapshot | null = null;

  start(): this {
    this.first = cpuSnapshot();
    return this;
  }

  /** Share of all cores used by other processes since start(); null where /proc is missing. */
  stop(cores = os.availableParallelism()): number | null {
    return otherShare(this.first, cpuSnapshot(), cores);
  }
}

export interface CpuReading {
  /** CPU seconds used / wall seconds / cores: 1 = every core busy. */
  share: number;
  /** CPU seconds of this process (main thread and its worker threads). */
  selfSeconds: number;
  /** CPU seconds of the child processes. */
  childSeconds: number;
  wallSeconds: number;
}

/** Measures the share of the machine the tree used between start() and stop(): 1 = every core busy. */
export class CpuMeter {
  private before = new Map<number, number>();
  private startedAt = 0;

  start(): void {
    this.before = treeCpu();
    this.startedAt = performance.now();
  }

  stop(cores = os.availableParallelism()): CpuReading {
    const after = treeCpu();
    const wall = (performance.now() - this.startedAt) / 1000;
    let used = 0;
    let self = 0;
    for (const [pid, seconds] of after) {
      const delta = seconds - (this.before.get(pid) ?? 0);
      used += delta;
      if (pid === process.pid) self = delta;
    }
    return { share: wall > 0 ? Math.max(0, used / wall / cores) : 0, selfSeconds: self, childSeconds: used - self, wallSeconds: wall };
  }
}
