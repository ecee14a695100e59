/**
 * Direct frame ports: one frame-channel implementation beside serve mode's WebSocket. A renderer
 * client that takes ports (the desktop window's page) gets, for each camera it holds, one end of a
 * MessageChannel whose other end is the camera's worker, so frames, results, snapshot requests
 * and previews pass between page and worker without main.
 *
 * The engine outlives its pages, so a port outlives nothing: when the client that should hold a
 * camera's port changes (a page reloads or goes, another window connects, a config change moves a
 * camera), a new channel is made, one end handed to the running worker ('data-port', which replaces
 * its old port) and the other to the new holder. With no holder the worker's port is taken away.
 * A worker life that starts (first start, restart) gets its port with 'init' instead.
 *
 * Who should hold a port is the RendererHub's decision (portHolderOf); this module only carries it out.
 */

/** One end of a channel, as far as this module handles it (Electron's MessagePortMain). */
export interface FramePortEnd {
  close(): void;
}

/** A client that takes direct frame ports (RendererClient.takeFramePort). */
export interface FramePortHolder<P> {
  takeFramePort(cameraId: string, port: P): void;
}

export interface FramePortsDeps<P extends FramePortEnd> {
  /** A new channel: the worker's end and the client's end. */
  createChannel(): { workerEnd: P; clientEnd: P };
  /** Gives the camera's running worker a new port, or takes its port away (null); false when it has no worker now. */
  handToWorker(cameraId: string, port: P | null): boolean;
  /** The client that should hold this camera's port now, if any. */
  holderOf(cameraId: string): FramePortHolder<P> | undefined;
  /** Every camera. */
  cameraIds(): string[];
}

export class FramePorts<P extends FramePortEnd> {
  /** Who holds each camera's current port. */
  private readonly holders = new Map<string, FramePortHolder<P>>();

  constructor(private readonly deps: FramePortsDeps<P>) {}

  /** A worker life starts: the port to send with 'init', if a client should hold one (its end goes to that client now). */
  portForNewWorker(cameraId: string): P | undefined {
    this.holders.delete(cameraId);
    const holder = this.deps.holderOf(cameraId);
    if (!holder) return undefined;
    const { workerEnd, clientEnd } = this.deps.createChannel();
    holder.takeFramePort(cameraId, clientEnd);
    this.holders.set(cameraId, holder);
    return workerEnd;
  }

  /** Clients or cameras changed: moves each camera's port to the client that should hold it now. */
  sync(): void {
    const ids = new Set(this.deps.cameraIds());
    for (const id of this.holders.keys()) if (!ids.has(id)) this.holders.delete(id);
    for (const id of ids) {
      const want = this.deps.holderOf(id);
      const has = this.holders.get(id);
      if (want === has) continue;
      this.holders.delete(id);
      if (!want) {
        this.deps.handToWorker(id, null);
        continue;
      }
      const { workerEnd, clientEnd } = this.deps.createChannel();
      if (!this.deps.handToWorker(id, workerEnd)) {
        // No worker now (starting over after a crash, in error): its next life gets a port with 'init'.
        workerEnd.close();
        clientEnd.close();
        continue;
      }
      want.takeFramePort(id, clientEnd);
      this.holders.set(id, want);
    }
  }

  /** The camera is gone for good. */
  forget(cameraId: string): void {
    this.holders.delete(cameraId);
  }

  /** Which client holds the camera's port now (for tests and diagnostics). */
  holderOfPort(cameraId: string): FramePortHolder<P> | undefined {
    return this.holders.get(cameraId);
  }
}
