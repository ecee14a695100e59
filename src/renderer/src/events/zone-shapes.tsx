/**
 * Zones drawn over a camera's picture: the same polygons, outlined and named, for the live view
 * (ZoneOutlines, always on, never in the way of a click) and for the zone editor (camera-events.tsx).
 * Points are 0..1 of the frame; the picture is letterboxed in its box (object-fit: contain), so the
 * polygons are placed inside the same content rectangle the detection overlay uses.
 */
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import type { Zone } from '../../../shared/contracts/events';
import { contentRect } from '../components/Overlay';
import { store } from '../state/store';

export type Point = { x: number; y: number };
export type Rect = { x: number; y: number; w: number; h: number };

/** The SVG element to measure, and the rectangle the frame fills inside it. */
export function useFrameRect(cameraId: string): { setEl: (el: SVGSVGElement | null) => void; rect: Rect } {
  const source = useStore(store, (s) => {
    const r = s.results.get(cameraId)?.result;
    return r ? `${r.sourceWidth}x${r.sourceHeight}` : '';
  });
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [el, setEl] = useState<SVGSVGElement | null>(null);
  useEffect(() => {
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  const [sw, sh] = source ? source.split('x').map(Number) : [size.w, size.h];
  const rect = size.w > 0 && sw > 0 ? contentRect(size.w, size.h, sw, sh) : { x: 0, y: 0, w: size.w, h: size.h };
  return { setEl, rect };
}

export const toPixels = (rect: Rect, p: Point): Point => ({ x: rect.x + p.x * rect.w, y: rect.y + p.y * rect.h });

/** Each zone outlined (required ones in their own colour) with its name by its first point. */
export function ZoneShapes({ zones, rect }: { zones: Zone[]; rect: Rect }) {
  return (
    <>
      {zones.map((z) => {
        const first = toPixels(rect, z.points[0]);
        return (
          <g key={z.name} data-testid="zone-shape" data-zone={z.name}>
            <polygon points={z.points.map((p) => { const q = toPixels(rect, p); return `${q.x},${q.y}`; }).join(' ')} className={z.required ? 'zone required' : 'zone'} />
            <text x={first.x + 4} y={first.y + 14} className="zone-name">
              {z.name}
            </text>
          </g>
        );
      })}
    </>
  );
}

/** The camera's saved zones over its live picture; nothing when it has none. */
export function ZoneOutlines({ cameraId }: { cameraId: string }) {
  const zones = useStore(store, (s) => s.config?.cameras.find((c) => c.id === cameraId)?.events?.zones);
  const { setEl, rect } = useFrameRect(cameraId);
  if (!zones || zones.length === 0) return null;
  return (
    <svg ref={setEl} className="zone-layer zone-outlines" data-testid="zone-outlines" data-camera-id={cameraId} aria-label={`Zones: ${zones.map((z) => z.name).join(', ')}`}>
      <ZoneShapes zones={zones} rect={rect} />
    </svg>
  );
}
