/**
 * Zones are polygons on the frame (0..1). A box is in a zone when the bottom centre of the box is,
 * as in Frigate: where an object stands, not where its head is.
 */
import type { Box } from '../../shared/contracts/frames';
import type { Zone } from '../../shared/contracts/events';

type Point = { x: number; y: number };

export function bottomCentre(box: Box): Point {
  return { x: box.x + box.w / 2, y: box.y + box.h };
}

/** Even-odd ray casting: a horizontal ray from the point crosses the edges an odd number of times. */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i];
    const b = polygon[j];
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** Names of the zones the box is in, in the order the zones are listed. */
export function zonesOf(box: Box, zones: readonly Zone[]): string[] {
  const p = bottomCentre(box);
  return zones.filter((z) => pointInPolygon(p, z.points)).map((z) => z.name);
}
