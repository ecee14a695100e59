/**
 * Serve mode: which connected page captures which camera. A camera whose frames come from a page
 * (webcam, video or image source) must be captured by exactly one page, or two pages would feed it
 * twice. Cameras go to the page that connected first; a camera keeps its page while that page
 * stays; when it leaves, its cameras move to the oldest page still connected.
 */
import type { CameraConfig } from '../shared/contracts/config';
import { isEngineSource } from '../shared/contracts/sources';

/** External frames come from code, engine-side sources from the camera's own ffmpeg: no page captures those. */
export function capturedByPage(camera: Pick<CameraConfig, 'source'>): boolean {
  return camera.source.kind !== 'external' && !isEngineSource(camera.source);
}

export class CaptureAssignments<C> {
  /** Connected clients, oldest first. */
  private readonly clients: C[] = [];
  private readonly owner = new Map<string, C>();
  private cameraIds: string[] = [];

  addClient(client: C): void {
    if (!this.clients.includes(client)) this.clients.push(client);
  }

  removeClient(client: C): void {
    const i = this.clients.indexOf(client);
    if (i >= 0) this.clients.splice(i, 1);
  }

  setCameras(ids: string[]): void {
    this.cameraIds = [...ids];
  }

  /**
   * Recomputes the assignment; returns every connected client whose camera list changed, with its
   * new list (the caller sends those as capture-assignment events).
   */
  rebalance(): Map<C, string[]> {
    const before = new Map<C, string>();
    for (const client of this.clients) before.set(client, this.camerasOf(client).join('\n'));
    const first = this.clients[0];
    const next = new Map<string, C>();
    for (const id of this.cameraIds) {
      const current = this.owner.get(id);
      if (current !== undefined && this.clients.includes(current)) next.set(id, current);
      else if (first !== undefined) next.set(id, first);
    }
    this.owner.clear();
    for (const [id, client] of next) this.owner.set(id, client);
    const changed = new Map<C, string[]>();
    for (const client of this.clients) {
      const ids = this.camerasOf(client);
      if (before.get(client) !== ids.join('\n')) changed.set(client, ids);
    }
    return changed;
  }

  /** The client that captures this camera, if any. */
  ownerOf(cameraId: string): C | undefined {
    return this.owner.get(cameraId);
  }

  camerasOf(client: C): string[] {
    return this.cameraIds.filter((id) => this.owner.get(id) === client);
  }
}
