/**
 * CPU and memory of another process (the camera's ffmpeg), read from /proc on Linux. Elsewhere
 * the figures are null: the panel shows a dash rather than a guess.
 */
import { readFileSync } from 'node:fs';

/** Linux reports CPU times in clock ticks; USER_HZ is 100 on every architecture Node supports. */
const TICKS_PER_SECOND = 100;

export interface ProcessUsage {
  cpuPercent: number | null;
  rssBytes: number | null;
}

export class ProcessUsageMeter {
  private lastTicks: number | null = null;
  private lastAt = 0;

  constructor(private readonly pid: number) {}

  sample(now = performance.now()): ProcessUsage {
    if (process.platform !== 'linux') return { cpuPercent: null, rssBytes: null };
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the command name, which may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rssKb = /VmRSS:\s+(\d+) kB/.exec(status);
      let cpuPercent: number | null = null;
      if (this.lastTicks !== null && now > this.lastAt) {
        cpuPercent = (((ticks - this.lastTicks) / TICKS_PER_SECOND) * 1000 * 100) / (now - this.lastAt);
      }
      this.lastTicks = ticks;
      this.lastAt = now;
      return { cpuPercent, rssBytes: rssKb ? Number(rssKb[1]) * 1024 : null };
    } catch {
      return { cpuPercent: null, rssBytes: null }; // it has just exited
    }
  }
}
