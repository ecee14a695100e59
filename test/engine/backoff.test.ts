/** The one backoff rule the worker restarts, ffmpeg reconnects and the MQTT client share. */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/shared/backoff';
import { DEFAULT_RESTART } from '../../src/engine/restart-policy';

describe('backoffDelay', () => {
  it('doubles from the first wait and stops at the cap', () => {
    const waits = Array.from({ length: 9 }, (_, n) => backoffDelay({ initialMs: 250, maxMs: 15_000 }, n));
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  });

  it('takes another factor, and treats a negative retry number as the first', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay({ initialMs: 100, maxMs: 10_000, factor: 3 }, n))).toEqual([100, 300, 900, 2700]);
    expect(backoffDelay({ initialMs: 100, maxMs: 10_000 }, -1)).toBe(100);
  });

  it('gives the worker restart policy its documented waits (250 ms doubling, capped at 15 s)', () => {
    const policy = { initialMs: DEFAULT_RESTART.initialDelayMs, maxMs: DEFAULT_RESTART.maxDelayMs, factor: DEFAULT_RESTART.factor };
    expect(backoffDelay(policy, 0)).toBe(250);
    expect(backoffDelay(policy, 20)).toBe(15_000);
  });
});
