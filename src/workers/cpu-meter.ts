/** This process's CPU use between two readings, as a percentage of one core. */
export class CpuMeter {
  private last = process.cpuUsage();
  private lastAt = performance.now();

  percentSinceLast(): number {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const micros = cpu.user - this.last.user + (cpu.system - this.last.system);
    const elapsedMs = Math.max(1, now - this.lastAt);
    this.last = cpu;
    this.lastAt = now;
    return (micros / 1000 / elapsedMs) * 100;
  }
}
