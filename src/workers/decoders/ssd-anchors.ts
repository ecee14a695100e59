/**
 * SSD anchors as MediaPipe's SsdAnchorsCalculator computes them: per layer a scale interpolated
 * between min_scale and max_scale, one anchor per aspect ratio (plus one at the geometric mean of
 * this layer's and the next layer's scale when interpolated_scale_aspect_ratio > 0), consecutive
 * layers with the same stride sharing one grid, and the lowest layer reduced to three boxes.
 */
import type { SsdAnchorSpec } from '../../shared/models';

export interface SsdAnchor {
  /** Centre and size, as fractions of the input. */
  x: number;
  y: number;
  w: number;
  h: number;
}

export function layerScale(minScale: number, maxScale: number, layer: number, layers: number): number {
  return layers === 1 ? (minScale + maxScale) / 2 : minScale + ((maxScale - minScale) * layer) / (layers - 1);
}

export function generateSsdAnchors(o: SsdAnchorSpec, inputWidth: number, inputHeight: number): SsdAnchor[] {
  if (o.strides.length !== o.numLayers) throw new Error(`${o.numLayers} anchor layers but ${o.strides.length} strides`);
  const anchors: SsdAnchor[] = [];
  let layer = 0;
  while (layer < o.numLayers) {
    const sizes: Array<{ w: number; h: number }> = [];
    let last = layer;
    for (; last < o.numLayers && o.strides[last] === o.strides[layer]; last++) {
      const scale = layerScale(o.minScale, o.maxScale, last, o.numLayers);
      const boxes: Array<{ ratio: number; scale: number }> = [];
      if (last === 0 && o.reduceBoxesInLowestLayer) {
        boxes.push({ ratio: 1, scale: 0.1 }, { ratio: 2, scale }, { ratio: 0.5, scale });
      } else {
        for (const ratio of o.aspectRatios) boxes.push({ ratio, scale });
        if (o.interpolatedScaleAspectRatio > 0) {
          const next = last === o.numLayers - 1 ? 1 : layerScale(o.minScale, o.maxScale, last + 1, o.numLayers);
          boxes.push({ ratio: o.interpolatedScaleAspectRatio, scale: Math.sqrt(scale * next) });
        }
      }
      for (const b of boxes) {
        const root = Math.sqrt(b.ratio);
        sizes.push({ w: b.scale * root, h: b.scale / root });
      }
    }
    const stride = o.strides[layer];
    const rows = Math.ceil(inputHeight / stride);
    const cols = Math.ceil(inputWidth / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const cx = (x + o.anchorOffset) / cols;
        const cy = (y + o.anchorOffset) / rows;
        for (const s of sizes) anchors.push(o.fixedAnchorSize ? { x: cx, y: cy, w: 1, h: 1 } : { x: cx, y: cy, w: s.w, h: s.h });
      }
    }
    layer = last;
  }
  return anchors;
}
