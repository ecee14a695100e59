/**
 * Page side of the bridge contract suite (e2e/web/bridge-contract.spec.ts). It makes the bridge
 * the way the renderer does (createBridge: the desktop bridge when a preload gave the page
 * `window.multicam`, serve mode's WebSocket bridge otherwise) in a page that runs nothing else,
 * and gives the spec a few operations on that bridge object as `window.__contract`. Bundled for
 * page.addInitScript by page-script.ts; type-checked with the DOM by tsconfig.e2e.json.
 */
import { createBridge } from '../../src/renderer/src/bridge';
import { ApiResultSchemas, type ApiEvent, type ApiRequest, type EngineBridge, type FrameChannel } from '../../src/shared/contracts/engine-api';
import type { FrameChannelInbound, SnapshotRequestMessage } from '../../src/shared/contracts/frames';
import type { CallOutcome, ContractFrame, ContractHarness, SeenEvent } from './bridge-contract-types';

declare global {
  interface Window {
    __contract?: ContractHarness;
  }
}

const REPLY_TIMEOUT_MS = 30_000;

let bridge: EngineBridge | null = null;
const seen: SeenEvent[] = [];
const channels = new Map<string, FrameChannel>();
const requests: SnapshotRequestMessage[] = [];
let answered = 0;

function need(): EngineBridge {
  if (!bridge) throw new Error('the contract page was not started');
  return bridge;
}

/** Values go back to the spec as JSON: bytes are summarised by their length and first three bytes. */
function summarise(value: unknown): unknown {
  return value instanceof Uint8Array ? { bytes: value.byteLength, head: Array.from(value.subarray(0, 3)) } : value;
}

async function outcome(method: ApiRequest['method'], run: () => Promise<unknown>): Promise<CallOutcome> {
  try {
    const value = await run();
    return { ok: true, schemaOk: ApiResultSchemas[method].safeParse(value).success, value: summarise(value) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

function record(event: ApiEvent): void {
  if (event.type === 'event') seen.push({ type: event.type, change: event.change.type, eventId: event.change.event.id, cameraId: event.change.event.camera });
  else if (event.type === 'snapshot') seen.push({ type: event.type, cameras: event.snapshot.cameras.length, at: event.snapshot.at });
  else seen.push({ type: event.type });
}

const pictures = new Map<string, Uint8Array>();

function sendOne(channel: FrameChannel, frame: ContractFrame, frameId: number): Promise<FrameChannelInbound> {
  const { cameraId, width, height, sourceWidth, sourceHeight } = frame;
  const stored = frame.picture === null ? null : pictures.get(frame.picture);
  if (frame.picture !== null && !stored) return Promise.reject(new Error(`no picture ${frame.picture}`));
  // A copy each time: the desktop bridge transfers the bytes away with the frame.
  const data = stored ? stored.slice() : new Uint8Array(width * height * 3).fill(128);
  return new Promise<FrameChannelInbound>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no answer to frame ${frameId} within ${REPLY_TIMEOUT_MS / 1000} s`));
    }, REPLY_TIMEOUT_MS);
    const stop = channel.onMessage((message) => {
      if (message.frameId !== frameId) return;
      clearTimeout(timer);
      stop();
      resolve(message);
    });
    channel.send({ type: 'frame', cameraId, frameId, width, height, data, letterbox: { x: 0, y: 0, w: 1, h: 1 }, sourceWidth, sourceHeight, acceptedAt: Date.now() });
  });
}

window.__contract = {
  start() {
    bridge ??= createBridge();
    bridge.onEvent(record);
    bridge.onFrameChannel((channel) => {
      channels.set(channel.cameraId, channel);
      channel.onSnapshotRequest((request) => requests.push(request));
    });
    return bridge.kind;
  },
  call(request) {
    return outcome(request.method, () => need().request(request));
  },
  keepMedia(bytes, type) {
    return outcome('keepMedia', () => need().keepMedia(new Blob([new Uint8Array(bytes)], { type }), type));
  },
  events: () => seen.slice(),
  hasChannel: (cameraId) => channels.get(cameraId)?.closed === false,
  storePicture(name, rgb) {
    pictures.set(name, new Uint8Array(rgb));
  },
  async sendFrames(frame, count) {
    const channel = channels.get(frame.cameraId);
    if (!channel || channel.closed) throw new Error(`no open frame channel for camera ${frame.cameraId}`);
    const replies: FrameChannelInbound[] = [];
    for (let i = 0; i < count; i++) replies.push(await sendOne(channel, frame, frame.frameId + i));
    return replies;
  },
  snapshotRequests: () => requests.slice(),
  answerSnapshotRequests(jpeg) {
    let sent = 0;
    for (const request of requests.slice(answered)) {
      channels.get(request.cameraId)?.sendSnapshot({ type: 'track-snapshot', cameraId: request.cameraId, trackId: request.trackId, jpeg: new Uint8Array(jpeg) });
      sent++;
    }
    answered = requests.length;
    return sent;
  },
};
