/** The overlay's point drawing: a pose as a skeleton without invisible points, a mesh as fine dots. */
import { describe, expect, it } from 'vitest';
import { drawPoints } from '../../src/renderer/src/components/draw-points';

function recorder() {
  const calls: string[] = [];
  const ctx = new Proxy({} as Record<string, unknown>, {
    get: (_t, name: string) => (...args: number[]) => calls.push(`${name}(${args.map((a) => (typeof a === 'number' ? Math.round(a) : a)).join(',')})`),
    set: () => true,
  });
  return { ctx: ctx as unknown as Parameters<typeof drawPoints>[0], calls };
}

describe('drawPoints', () => {
  it('joins 33 pose keypoints into bones, skipping those under 0.5 visibility', () => {
    const points = Array.from({ length: 33 }, (_, i) => ({ x: i / 100, y: 0.5, v: i === 16 ? 0.1 : 0.9 }));
    const { ctx, calls } = recorder();
    drawPoints(ctx, points, { x: 0, y: 0, w: 100, h: 100 }, '#fff');
    // Shoulder 11 to shoulder 12 is a bone; anything touching wrist 16 (not visible) is not drawn.
    expect(calls).toContain('moveTo(11,50)');
    expect(calls).toContain('lineTo(12,50)');
    expect(calls.some((c) => c.includes('(16,50)'))).toBe(false);
    expect(calls.filter((c) => c.startsWith('arc('))).toHaveLength(32);
  });

  it('draws a 468-point mesh as 1-pixel dots and no lines', () => {
    const { ctx, calls } = recorder();
    drawPoints(ctx, Array.from({ length: 468 }, () => ({ x: 0.5, y: 0.5 })), { x: 0, y: 0, w: 10, h: 10 }, '#fff');
    expect(calls.filter((c) => c.startsWith('arc(5,5,1,'))).toHaveLength(468);
    expect(calls.some((c) => c.startsWith('lineTo'))).toBe(false);
  });
});
