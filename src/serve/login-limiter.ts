/**
 * Failed sign-ins per address: after MAX_FAILURES failures within FAILURE_WINDOW_MS an address is
 * locked out for LOCKOUT_MS, during which every attempt from it is refused (429) without its
 * password being looked at, the right one included. A success clears the address's failures.
 * Behind a reverse proxy every request comes from the proxy's address: one lockout for all.
 */

export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
export const LOCKOUT_MS = 15 * 60 * 1000;
/** Addresses tracked at most; the oldest entry goes first. */
const MAX_ADDRESSES = 10_000;

interface Record {
  failures: number[];
  lockedUntil: number;
}

export class LoginLimiter {
  private readonly addresses = new Map<string, Record>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds the address stays locked out, or 0 when it may try. */
  lockedFor(address: string): number {
    const record = this.addresses.get(address);
    if (!record) return 0;
    return Math.max(0, record.lockedUntil - this.now());
  }

  /** Counts a failure; returns the lockout it starts (ms), or 0. */
  failed(address: string): number {
    const now = this.now();
    let record = this.addresses.get(address);
    if (!record) {
      if (this.addresses.size >= MAX_ADDRESSES) this.addresses.delete(this.addresses.keys().next().value!);
      record = { failures: [], lockedUntil: 0 };
      this.addresses.set(address, record);
    }
    record.failures = [...record.failures.filter((t) => now - t < FAILURE_WINDOW_MS), now];
    if (record.failures.length < MAX_FAILURES) return 0;
    record.failures = [];
    record.lockedUntil = now + LOCKOUT_MS;
    return LOCKOUT_MS;
  }

  succeeded(address: string): void {
    this.addresses.delete(address);
  }
}
