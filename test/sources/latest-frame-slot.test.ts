/**
 * LatestFrameSlot, the triple buffer between the ffmpeg reader thread and the inference thread:
 * the newest frame wins, each replaced one is counted, a taken frame is the reader's own copy.
 * Across real threads it runs in test/sources/reader-thread.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { LatestFrameSlot } from '../../src/workers/sources/latest-frame-slot';

const frame = (bytes: number, value: number) => new Uint8Array(bytes).fill(value);

describe('LatestFrameSlot', () => {
  it('hands on the newest frame and counts the ones it replaced', () => {
    const slot = LatestFrameSlot.create(6);
    expect(slot.take()).toBeNull();
    expect(slot.publish(frame(6, 1), 0, 1, 100)).toBe(true);
    // A notice is outstanding: the writer does not ask to notify again.
    expect(slot.publish(frame(6, 2), 1, 1, 110)).toBe(false);
    expect(slot.publish(frame(6, 3), 2, 1, 120)).toBe(false);
    const got = slot.take()!;
    expect([...got.data]).toEqual([3, 3, 3, 3, 3, 3]);
    expect([got.seq, got.generation, got.decodedAt]).toEqual([2, 1, 120]);
    expect([slot.written, slot.replaced]).toEqual([3, 2]);
    expect(slot.take()).toBeNull();
    // The taken frame is a copy: later frames do not change it.
    expect(slot.publish(frame(6, 4), 3, 1, 130)).toBe(true);
    expect(slot.publish(frame(6, 5), 4, 1, 140)).toBe(false);
    expect([...got.data]).toEqual([3, 3, 3, 3, 3, 3]);
    expect(slot.take()!.seq).toBe(4);
    expect(slot.replaced).toBe(3);
  });

  it('carries a shorter frame in parts, with its two numbers', () => {
    const slot = LatestFrameSlot.create(8);
    slot.publish([frame(2, 7), frame(3, 9)], 5, 2, 50, [3, 1]);
    const got = slot.take()!;
    expect([...got.data]).toEqual([7, 7, 9, 9, 9]);
    expect(got.extra).toEqual([3, 1]);
  });

  it('refuses a frame larger than the slot and a slot of the wrong layout', () => {
    const slot = LatestFrameSlot.create(6);
    expect(() => slot.publish(frame(7, 1), 0, 1, 0)).toThrow(/7 bytes/);
    expect(() => LatestFrameSlot.from(slot.shared, 7)).toThrow(/does not hold/);
    expect(() => LatestFrameSlot.create(0)).toThrow(/positive integer/);
  });
});
