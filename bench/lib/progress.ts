/** One progress line on stderr: rewritten in place on a terminal, plain lines (rate-limited) otherwise. */
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private last = '';
  private lastLabelAt = 0;
  private readonly started = performance.now();

  set(text: string): void {
    const line = `[bench ${((performance.now() - this.started) / 1000).toFixed(0).padStart(4)} s] ${text}`;
    if (this.tty) {
      const width = process.stderr.columns ?? 100;
      process.stderr.write(`\r${line.slice(0, width - 1).padEnd(Math.min(width - 1, Math.max(this.last.length, line.length)))}`);
      this.last = line;
      return;
    }
    // Not a terminal: print when the phase changes, or every 5 s.
    const label = text.split(':')[0];
    const now = performance.now();
    if (label !== this.last || now - this.lastLabelAt > 5000) {
      process.stderr.write(`${line}\n`);
      this.last = label;
      this.lastLabelAt = now;
    }
  }

  /** A line that stays (a finished measurement). */
  log(text: string): void {
    if (this.tty && this.last) process.stderr.write(`\r${' '.repeat(Math.min((process.stderr.columns ?? 100) - 1, this.last.length))}\r`);
    process.stderr.write(`${text}\n`);
    if (this.tty) this.last = '';
  }

  done(): void {
    if (this.tty && this.last) process.stderr.write(`\r${' '.repeat(Math.min((process.stderr.columns ?? 100) - 1, this.last.length))}\r`);
    this.last = '';
  }
}
