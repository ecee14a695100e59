/**
 * The real-time bench's counting across a window: a camera whose worker restarted in the window
 * counts from 0 again, and must add what it counted since, never a negative delta.
 */
import { describe, expect, it } from 'vitest';
import { countedBetween, Stats } from '../../bench/lib/realtime-serve';

const camera = (id: string, framesInferred: number, skipped: number, noMotion?: number) => ({
  id,
  state: 'running',
  threads: 1,
  restarts: 0,
  framesInferred,
  skipped,
  ...(noMotion === undefined ? {} : { skipped_no_motion: noMotion }),
});

describe('countedBetween', () => {
  it('adds each camera\'s counts over the window', () => {
    const before = Stats.parse({ cameras: [camera('a', 10, 1, 5), camera('b', 3, 0)] });
    const after = Stats.parse({ cameras: [camera('a', 14, 2, 20), camera('b', 9, 1)] });
    expect(countedBetween(before, after)).toEqual({ inferences: 4 + 6, frames: 4 + 1 + 15 + 6 + 1, noMotion: 15 });
  });

  it('counts a restarted camera from its new start, and a camera that appeared from 0', () => {
    const before = Stats.parse({ cameras: [camera('a', 50, 4, 70)] });
    const after = Stats.parse({ cameras: [camera('a', 6, 0, 9), camera('c', 2, 0, 1)] });
    expect(countedBetween(before, after)).toEqual({ inferences: 6 + 2, frames: 15 + 3, noMotion: 10 });
  });
});
