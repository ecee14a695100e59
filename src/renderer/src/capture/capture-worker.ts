/**
 * A camera's capture worker: everything per frame happens here, off the page's main thread. It
 * reads the camera's video frames (a MediaStreamTrackProcessor's stream, or pictures the page
 * posts where that is missing), keeps the newest one per free credit, letterboxes it to the
 * model's input on an OffscreenCanvas and sends it to the engine (see frame-gate.ts).
 */
import type { Picture } from './frame-builder';
import { FrameGate } from './frame-gate';
import type { FromCaptureWorker, ToCaptureWorker } from './worker-protocol';

/** A still image has no frame clock: offer it at this rate unless the camera says less. */
const STILL_FPS = 10;

interface WorkerScope {
  postMessage(message: FromCaptureWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToCaptureWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

const gate = new FrameGate((message, transfer) => scope.postMessage(message, transfer ?? []));
let generation = 0;
let still: ImageBitmap | null = null;
let stillTimer: ReturnType<typeof setInterval> | null = null;
let stillFps = STILL_FPS;

function videoPicture(frame: VideoFrame): Picture {
  return { source: frame, width: frame.displayWidth, height: frame.displayHeight, release: () => frame.close() };
}

function bitmapPicture(bitmap: ImageBitmap, owned: boolean): Picture {
  return { source: bitmap, width: bitmap.width, height: bitmap.height, release: () => owned && bitmap.close() };
}

function clearSource(): void {
  generation++;
  if (stillTimer) clearInterval(stillTimer);
  stillTimer = null;
  still?.close();
  still = null;
  gate.dropPending();
}

async function pump(readable: ReadableStream<VideoFrame>, mine: number): Promise<void> {
  const reader = readable.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (mine !== generation) {
        value.close();
        return;
      }
      gate.offer(videoPicture(value));
    }
  } catch {
    // The track ended or the stream was cancelled: the page says what happened to the source.
  } finally {
    if (mine !== generation) void reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function startStill(bitmap: ImageBitmap): void {
  if (bitmap !== still) {
    clearSource();
    still = bitmap;
  } else if (stillTimer) {
    clearInterval(stillTimer);
  }
  const offer = (): void => {
    if (still) gate.offer(bitmapPicture(still, false));
  };
  stillTimer = setInterval(offer, 1000 / stillFps);
  offer();
}

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.type) {
    case 'target': {
      gate.setTarget(message.target);
      const fps = message.target?.maxFps ? Math.min(STILL_FPS, message.target.maxFps) : STILL_FPS;
      if (fps !== stillFps) {
        stillFps = fps;
        if (still) startStill(still);
      }
      break;
    }
    case 'stream':
      clearSource();
      void pump(message.readable, generation);
      break;
    case 'picture':
      if (message.still) startStill(message.bitmap);
      else gate.offer(bitmapPicture(message.bitmap, true));
      break;
    case 'no-source':
      clearSource();
      break;
    case 'channel':
      gate.setChannel(message.port);
      break;
    case 'inbound':
      gate.release();
      break;
    case 'snapshot-request':
      gate.requestSnapshot(message.request);
      break;
    case 'stop':
      clearSource();
      gate.close();
      break;
  }
};

setInterval(() => scope.postMessage({ type: 'stats', stats: gate.stats() }), 1000);
