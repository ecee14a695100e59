/**
 * Frames pushed by code (the CLI, the bench, tests) take the same path as a page's frames in serve
 * mode: a credit gate on the sending side, the binary frame form (encodeFrame), one hop to the
 * camera's worker, validated there. The feeder numbers its own frames like a page does.
 */
import { CreditGate } from '../shared/credit';
import { encodeFrame, type FrameMessage } from '../shared/contracts/frames';

export type FramePayload = Omit<FrameMessage, 'type' | 'cameraId' | 'frameId' | 'acceptedAt'> & { acceptedAt?: number };

interface Feed {
  gate: CreditGate<FrameMessage>;
  nextFrameId: number;
}

export class FrameFeeder {
  private readonly feeds = new Map<string, Feed>();

  constructor(
    /** Hands one encoded frame to the camera's worker; false when it has no running worker. */
    private readonly forward: (cameraId: string, bytes: Uint8Array) => boolean,
    private maxInFlight: number,
  ) {}

  /**
   * Offers a frame: it goes out at once if the worker has credit, otherwise it replaces the frame
   * waiting for credit (counted as skipped). Returns the frame id given to it.
   */
  push(cameraId: string, payload: FramePayload): number {
    let feed = this.feeds.get(cameraId);
    if (!feed) {
      feed = { gate: new CreditGate((frame) => this.forward(cameraId, encodeFrame(frame)), this.maxInFlight), nextFrameId: 1 };
      this.feeds.set(cameraId, feed);
    }
    const frameId = feed.nextFrameId++;
    feed.gate.offer({ ...payload, type: 'frame', cameraId, frameId, acceptedAt: payload.acceptedAt ?? Date.now() });
    return frameId;
  }

  /** A result or drop notice came back for this camera: one credit returns. */
  settle(cameraId: string): void {
    this.feeds.get(cameraId)?.gate.release();
  }

  /** The camera's worker (re)started: nothing in flight will come back. */
  reset(cameraId: string): void {
    this.feeds.get(cameraId)?.gate.reset();
  }

  remove(cameraId: string): void {
    this.feeds.delete(cameraId);
  }

  /** Frames this feeder replaced before they were sent. */
  skipped(cameraId: string): number {
    return this.feeds.get(cameraId)?.gate.skipped ?? 0;
  }

  setMaxInFlight(n: number): void {
    this.maxInFlight = n;
    for (const feed of this.feeds.values()) feed.gate.setMaxInFlight(n);
  }
}
