/**
 * A model file's declared shapes are checked before the interpreter allocates them: a tiny .tflite
 * (about 1.4 KB) declaring an 8192x8192 input, on a file camera as the security probe ran it, puts
 * the camera in error with the reason, and the worker never grows by the gigabyte that input costs.
 * The same walk reads the real models' shapes as they are.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveModel } from '../../src/engine/paths';
import type { TestSupervisor } from '../support/supervisor-adapter';
import { checkDeclaredShapes, MAX_TENSOR_ELEMENTS, ModelShapeUnreadable } from '../../src/workers/model-shape';
import { makeSupervisor } from '../engine/helpers';
import { FACE_MJPEG } from '../support/clips';
import { peakRss } from '../support/process';
import { tempDir } from '../support/tmp';
import { tinySsdModel } from './fixtures/tiny-ssd';

const dir = tempDir('multicam-model-limits-');
let supervisor: TestSupervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});

const ANSWER = { boxes: [[0.1, 0.2, 0.5, 0.6]], classes: [0], scores: [0.9], count: 1 };

describe('declared model shapes', () => {
  it('reads the shipped models as within the limits', () => {
    for (const name of ['face-short', 'face-full']) {
      const model = resolveModel(name);
      expect(checkDeclaredShapes(readFileSync(model.path))).toBeNull();
    }
    expect(checkDeclaredShapes(tinySsdModel(ANSWER, 1024))).toBeNull();
  });

  it('refuses an input over 1024x1024 and a tensor over the element bound, and cannot be walked out of the file', () => {
    expect(checkDeclaredShapes(tinySsdModel(ANSWER, 8192))?.message).toMatch(/takes a 8192x8192 input; at most 1024x1024/);
    expect(checkDeclaredShapes(tinySsdModel(ANSWER, 1025))?.message).toMatch(/1025x1025/);
    const n = Math.ceil(MAX_TENSOR_ELEMENTS / 4) + 1;
    // The boxes tensors' shape vectors [1, 1, 4] (a length and three int32s) patched to [1, n, 4].
    const bytes = tinySsdModel(ANSWER, 32);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let patched = 0;
    for (let i = 0; i + 16 <= bytes.length; i += 4) {
      if (view.getInt32(i, true) === 3 && view.getInt32(i + 4, true) === 1 && view.getInt32(i + 8, true) === 1 && view.getInt32(i + 12, true) === 4) {
        view.setInt32(i + 8, n, true);
        patched++;
      }
    }
    expect(patched).toBeGreaterThan(0);
    expect(checkDeclaredShapes(bytes)?.message).toMatch(/declares a tensor of shape \[1, \d+, 4\]/);
    // Offsets past the end: not readable, not a crash or a long loop.
    const cut = tinySsdModel(ANSWER, 32).slice(0, 200);
    expect(() => checkDeclaredShapes(cut)).toThrow(ModelShapeUnreadable);
    const garbage = new Uint8Array(1372).map((_, i) => (i * 181) & 0xff);
    expect(() => checkDeclaredShapes(garbage)).toThrow(ModelShapeUnreadable);
  });

  it('a file camera with a 1.4 KB model declaring 8192x8192 ends in error with the reason; its worker stays small', async () => {
    const model = path.join(dir, 'huge-input.tflite');
    const bytes = tinySsdModel(ANSWER, 8192);
    expect(bytes.length).toBeLessThan(4096);
    writeFileSync(model, bytes);
    supervisor = makeSupervisor();
    const s = supervisor;
    const id = s.addCamera({ name: 'huge', source: { kind: 'file', path: FACE_MJPEG }, model });
    const pid = s.workerOf(id)?.pid;
    expect(pid).toBeGreaterThan(0);
    // Sample the worker's peak memory until the camera settles either way.
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRss(pid!))), 20);
    let settled;
    try {
      settled = await new Promise<{ state: string; error?: string }>((resolve) => {
        const check = () => {
          const status = s.status(id)!;
          if (status.state !== 'error' && status.state !== 'running') return;
          s.off('change', check);
          resolve(status);
        };
        s.on('change', check);
        check();
      });
      peak = Math.max(peak, peakRss(pid!));
    } finally {
      clearInterval(sampler);
    }
    expect(settled.state).toBe('error');
    expect(settled.error).toMatch(/huge-input\.tflite: the model takes a 8192x8192 input; at most 1024x1024 is accepted/);
    // The input alone is 8192 x 8192 x 3 floats = 768 MB; a worker that never allocated it stays far below.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(400 * 1024 * 1024);
  }, 120_000);
});
