/** Shared set-up for engine tests: a supervisor on real worker processes, and real test pictures. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage, toModelFrame, type DecodedImage, type ModelFrame } from '../../src/node/images';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { silentLogger } from '../../src/engine/logger';
import type { CameraSupervisor, SupervisorOptions } from '../../src/engine/supervisor';
import { TestSupervisor } from '../support/supervisor-adapter';
import type { ResultMessage } from '../../src/shared/contracts/frames';

export const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A window of a picture, as a camera framing part of the scene sees it. */
export function cropImage(image: DecodedImage, x: number, y: number, w: number, h: number): DecodedImage {
  const rgba = new Uint8Array(w * h * 4);
  for (let row = 0; row < h; row++) rgba.set(image.rgba.subarray(((y + row) * image.width + x) * 4, ((y + row) * image.width + x + w) * 4), row * w * 4);
  return { width: w, height: h, rgba };
}

export function fixtureFrame(name: string, size = 128): ModelFrame {
  return toModelFrame(decodeImage(path.join(fixtures, name)), size, size);
}

export function makeSupervisor(options: Partial<SupervisorOptions> = {}): TestSupervisor {
  return new TestSupervisor({
    launcher: new NodeLauncher(),
    // Quiet, as the tests' workers were before their lines went to a logger.
    log: silentLogger(),
    calibrationFile: null,
    calibrate: false,
    statsIntervalMs: 250,
    ...options,
  });
}

/** Feeds a camera continuously: a new frame goes out whenever one comes back. `sent` holds the frame ids pushFrame gave. */
export function feed(
  supervisor: CameraSupervisor,
  id: string,
  frame: ModelFrame,
): { stop: () => void; results: ResultMessage[]; receivedAt: number[]; sent: Set<number> } {
  const results: ResultMessage[] = [];
  const receivedAt: number[] = [];
  const sent = new Set<number>();
  let running = true;
  const push = () => {
    if (!running || !supervisor.status(id)) return;
    sent.add(supervisor.pushFrame(id, frame));
  };
  const onResult = (r: ResultMessage) => {
    if (r.cameraId !== id) return;
    results.push(r);
    receivedAt.push(Date.now());
    push();
  };
  const onDropped = (d: { cameraId: string }) => {
    if (d.cameraId === id) push();
  };
  const onChange = (s: { id: string; state: string }) => {
    if (s.id === id && s.state === 'running') push();
  };
  supervisor.on('result', onResult);
  supervisor.on('dropped', onDropped);
  supervisor.on('change', onChange);
  push();
  return {
    results,
    receivedAt,
    sent,
    stop: () => {
      running = false;
      supervisor.off('result', onResult);
      supervisor.off('dropped', onDropped);
      supervisor.off('change', onChange);
    },
  };
}

export { pidAlive, sleep } from '../support/process';
