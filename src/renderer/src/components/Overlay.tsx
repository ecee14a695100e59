/**
 * Draws one camera's latest detections over its picture. Results arrive many times a second, so
 * this never goes through React state: it subscribes to the store and paints the canvas directly.
 * Coordinates are normalised to the source frame; the picture sits in the tile with object-fit:
 * contain, so the same letterbox is applied here.
 */
import { useEffect, useRef } from 'react';
import type { Detection } from '../../../shared/contracts/frames';
import { store } from '../state/store';
import { drawPoints } from './draw-points';
import { displayLabel } from '../../../shared/labels';

/** Results older than this are not drawn (the camera stalled or was paused). */
const STALE_MS = 2000;
const COLORS = ['#38bdf8', '#f472b6', '#facc15', '#4ade80', '#fb923c', '#a78bfa'];

export function contentRect(boxW: number, boxH: number, srcW: number, srcH: number): { x: number; y: number; w: number; h: number } {
  const scale = Math.min(boxW / srcW, boxH / srcH);
  const w = srcW * scale;
  const h = srcH * scale;
  return { x: (boxW - w) / 2, y: (boxH - h) / 2, w, h };
}

export function Overlay({ cameraId }: { cameraId: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const context = canvas.getContext('2d');
    if (!context) return;
    let drawnFrame: number | null = null;

    const draw = (): void => {
      const latest = store.getState().results.get(cameraId);
      const dpr = window.devicePixelRatio || 1;
      const cssW = canvas.clientWidth;
      const cssH = canvas.clientHeight;
      if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
        canvas.width = Math.round(cssW * dpr);
        canvas.height = Math.round(cssH * dpr);
      }
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, canvas.width, canvas.height);
      if (!latest || Date.now() - latest.receivedAt > STALE_MS || cssW === 0 || cssH === 0) {
        if (drawnFrame !== null) {
          canvas.dataset.detections = '0';
          canvas.dataset.boxes = '[]';
          drawnFrame = null;
        }
        return;
      }
      context.setTransform(dpr, 0, 0, dpr, 0, 0);
      const { result } = latest;
      const rect = contentRect(cssW, cssH, result.sourceWidth, result.sourceHeight);
      const boxes = result.detections.map((d, i) => drawDetection(context, d, rect, COLORS[i % COLORS.length]));
      drawnFrame = result.frameId;
      canvas.dataset.detections = String(result.detections.length);
      canvas.dataset.frameId = String(result.frameId);
      canvas.dataset.boxes = JSON.stringify(boxes);
    };

    const unsubscribe = store.subscribe((state, previous) => {
      if (state.results.get(cameraId) !== previous.results.get(cameraId)) draw();
    });
    const resize = new ResizeObserver(() => draw());
    resize.observe(canvas);
    const stale = setInterval(draw, 500);
    draw();
    return () => {
      unsubscribe();
      resize.disconnect();
      clearInterval(stale);
    };
  }, [cameraId]);

  return <canvas ref={canvasRef} className="tile-overlay" data-testid="overlay" data-camera-id={cameraId} data-detections="0" />;
}

/** Draws one detection; returns its box in canvas CSS pixels (for tests and debugging). */
function drawDetection(
  context: CanvasRenderingContext2D,
  detection: Detection,
  rect: { x: number; y: number; w: number; h: number },
  color: string,
): [number, number, number, number] {
  const x = rect.x + detection.box.x * rect.w;
  const y = rect.y + detection.box.y * rect.h;
  const w = detection.box.w * rect.w;
  const h = detection.box.h * rect.h;
  context.fillStyle = `${color}22`;
  context.fillRect(x, y, w, h);
  context.lineWidth = 2;
  context.strokeStyle = color;
  context.strokeRect(x, y, w, h);
  drawPoints(context, detection.keypoints, rect, color);
  context.fillStyle = color;
  const label = `${detection.label ? `${displayLabel(detection.label)} ` : ''}${(detection.score * 100).toFixed(0)}%`;
  context.font = '12px system-ui, sans-serif';
  const textW = context.measureText(label).width + 8;
  const textY = y > 18 ? y - 18 : y;
  context.fillRect(x - 1, textY, textW, 18);
  context.fillStyle = '#000';
  context.fillText(label, x + 3, textY + 13);
  return [Math.round(x), Math.round(y), Math.round(w), Math.round(h)];
}
