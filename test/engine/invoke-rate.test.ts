import { describe, expect, it } from 'vitest';
import { invokeRate } from '../../src/workers/calibrate';

describe('calibration invoke rate', () => {
  it('on one thread counts the CPU time the invokes took, not the wall time a busy machine stretched', () => {
    // 100 invokes in 4 s of wall time, of which the process ran 1 s: the model costs 10 ms of a core.
    expect(invokeRate(1, 100, 4000, { user: 900_000, system: 100_000 })).toBeCloseTo(100);
    // CPU time above the wall time (another thread of the process ran too) never raises the rate.
    expect(invokeRate(1, 100, 1000, { user: 1_500_000, system: 0 })).toBeCloseTo(100);
  });

  it('on more threads is the wall-clock rate, and with no CPU reading too', () => {
    expect(invokeRate(2, 100, 2000, { user: 3_000_000, system: 0 })).toBeCloseTo(50);
    expect(invokeRate(1, 100, 2000, { user: 0, system: 0 })).toBeCloseTo(50);
  });
});
