/** What the bridge contract page (bridge-contract-page.ts) offers the spec as `window.__contract`. DOM-free: both sides import it. */
import type { ApiEvent, ApiRequest, EngineBridge } from '../../src/shared/contracts/engine-api';
import type { FrameChannelInbound, SnapshotRequestMessage } from '../../src/shared/contracts/frames';

/** A request's outcome as the spec sees it: the value (bytes summarised) and whether its method's schema takes it, or the error. */
export type CallOutcome = { ok: true; schemaOk: boolean; value: unknown } | { ok: false; error: string };

/** What the page received from the engine's pushes, in order. */
export interface SeenEvent {
  type: ApiEvent['type'];
  /** For `event` pushes: the change, its event and camera. */
  change?: string;
  eventId?: string;
  cameraId?: string;
  /** For `snapshot` pushes: how many cameras it lists (proves the payload made it through). */
  cameras?: number;
  at?: number;
}

export interface ContractFrame {
  cameraId: string;
  frameId: number;
  width: number;
  height: number;
  /** A picture stored with storePicture (RGB, width x height x 3); null for a plain grey frame. */
  picture: string | null;
  sourceWidth: number;
  sourceHeight: number;
}

export interface ContractHarness {
  /** Makes the bridge as the renderer does; says which one it is. */
  start(): EngineBridge['kind'];
  call(request: ApiRequest): Promise<CallOutcome>;
  keepMedia(bytes: number[], type: string): Promise<CallOutcome>;
  events(): SeenEvent[];
  /** Whether the bridge handed the page an open frame channel for the camera (its worker runs). */
  hasChannel(cameraId: string): boolean;
  /** Keeps RGB bytes in the page under a name, so frames need not carry them across each time. */
  storePicture(name: string, rgb: number[]): void;
  /**
   * Sends `count` frames on the camera's channel, one after another as fast as each is answered,
   * ids frameId, frameId + 1, ...; resolves with the answers, each the one that named its frame's id.
   */
  sendFrames(frame: ContractFrame, count: number): Promise<FrameChannelInbound[]>;
  snapshotRequests(): SnapshotRequestMessage[];
  /** Answers every snapshot request not answered yet with this JPEG; returns how many. */
  answerSnapshotRequests(jpeg: number[]): number;
}
