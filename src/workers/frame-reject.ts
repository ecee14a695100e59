/**
 * A frame message that fails validation still names its frame: the sender is told it was
 * rejected and why, so it gets its credit back and nothing waits for an answer that never comes
 * (a 16385-pixel-wide picture used to hang `npm run detect`).
 */
import type { FrameDroppedMessage } from '../shared/contracts/frames';

export function rejectedFrameReply(data: unknown, cameraId: string | undefined, error: string): FrameDroppedMessage | null {
  if (!cameraId || typeof data !== 'object' || data === null) return null;
  const { type, frameId } = data as { type?: unknown; frameId?: unknown };
  if (type !== 'frame' || typeof frameId !== 'number' || !Number.isSafeInteger(frameId) || frameId < 0) return null;
  const message = error.startsWith('frame rejected: ') ? error : `frame rejected: ${error}`;
  return { type: 'frame-dropped', cameraId, frameId, reason: 'rejected', message: message.slice(0, 500) };
}
