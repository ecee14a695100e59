/** Shared by the events suites: temp data dirs, sample events, a real JPEG. The broker is test/support/mqtt-broker.ts. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import type { TrackMessage } from '../../src/shared/contracts/events';

export function tempDir(prefix = 'multicam-events-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A small real JPEG (solid colour). */
export function smallJpeg(width = 32, height = 24, shade = 128): Uint8Array {
  const data = Buffer.alloc(width * height * 4, shade);
  return new Uint8Array(jpeg.encode({ data, width, height }, 80).data);
}

export function track(kind: TrackMessage['kind'], trackId: number, at: number, extra: Partial<TrackMessage['track']> = {}, withJpeg = kind !== 'end'): TrackMessage {
  return {
    type: 'track',
    kind,
    track: { cameraId: 'cam1', trackId, label: 'face', start: at, lastSeen: at, score: 0.9, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }, zones: [], ...extra },
    ...(withJpeg ? { snapshot: smallJpeg(), crop: smallJpeg(8, 8) } : {}),
  };
}
