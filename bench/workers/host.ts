/**
 * What the bench's own workers run: one Detector (the app's interpreter + BlazeFace decoder) and a
 * tiny protocol. Frames carry the stream they belong to; answers carry it back.
 */
import { Detector } from '../../src/workers/detector';
import type { DelegateName } from '../../src/shared/contracts/config';
import type { Detection, Letterbox } from '../../src/shared/contracts/frames';
import { Mutex } from '../lib/mutex';

export interface HostInit {
  type: 'init';
  modelPath: string;
  modelName: string;
  threads: number;
  delegate: DelegateName;
  delegatePath?: string;
  /** Take an async mutex around each frame (the shared-lock strategy). */
  lock: boolean;
}

export interface HostFrame {
  type: 'frame';
  stream: number;
  seq: number;
  data: Uint8Array;
  letterbox: Letterbox;
}

export type HostOut =
  | { type: 'ready'; threads: number; delegate: DelegateName; warning?: string }
  | { type: 'result'; stream: number; seq: number; detections: Detection[]; inferMs: number; workerMs: number }
  | { type: 'error'; message: string };

export function createHost(send: (m: HostOut) => void): (m: HostInit | HostFrame) => void {
  let detector: Detector | null = null;
  let mutex: Mutex | null = null;
  const runFrame = (m: HostFrame) => {
    const started = performance.now();
    const out = detector!.run(m.data, m.letterbox);
    send({ type: 'result', stream: m.stream, seq: m.seq, detections: out.detections, inferMs: out.inferMs, workerMs: performance.now() - started });
  };
  return (m) => {
    if (m.type === 'init') {
      try {
        detector = new Detector({ modelPath: m.modelPath, modelName: m.modelName, threads: m.threads, delegate: m.delegate, delegatePath: m.delegatePath });
        mutex = m.lock ? new Mutex() : null;
        send({ type: 'ready', threads: detector.threads, delegate: detector.delegate, warning: detector.delegateWarning });
      } catch (err) {
        send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    if (!detector) {
      send({ type: 'error', message: 'frame before init' });
      return;
    }
    if (mutex) {
      // Every stream waits its turn for the one interpreter.
      void mutex.acquire().then((release) => {
        try {
          runFrame(m);
        } finally {
          release();
        }
      });
    } else {
      runFrame(m);
    }
  };
}
