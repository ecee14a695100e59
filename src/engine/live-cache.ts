/**
 * The engine's side of the live view for pages that join late (serve mode: the worker sends its
 * live view once, to main, while any page watches). For each camera it keeps the current stream's
 * init segment and the fragments since the last keyframe, as the worker sent them; a page that
 * connects gets those first, so its picture starts at the latest keyframe.
 *
 * LiveGate is one page's view of one camera's fragments when the transport may have to leave some
 * out (a page that reads slowly): once a fragment is left out, the ones after it cannot be decoded,
 * so the page gets nothing more of that camera until the next keyframe.
 */
import type { LiveInitMessage, LiveMediaMessage, LiveViewMessage } from '../shared/contracts/live';

/** Bytes of fragments kept per camera at most; past it a late page waits for the next keyframe. */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

interface Kept {
  init: LiveInitMessage;
  gop: LiveMediaMessage[];
  bytes: number;
}

export class LiveCache {
  private readonly cameras = new Map<string, Kept>();

  /** Notes a message on its way to the pages. */
  note(message: LiveViewMessage): void {
    if (message.type === 'live-init') {
      this.cameras.set(message.cameraId, { init: message, gop: [], bytes: 0 });
      return;
    }
    if (message.type !== 'live-media') return;
    const kept = this.cameras.get(message.cameraId);
    if (!kept || kept.init.stream !== message.stream) return;
    if (message.keyframe) {
      kept.gop = [];
      kept.bytes = 0;
    } else if (kept.gop.length === 0) {
      return; // no keyframe since the init segment: nowhere a page could start
    }
    if (kept.bytes + message.data.byteLength > MAX_KEPT_BYTES) {
      kept.gop = [];
      kept.bytes = 0;
      return;
    }
    kept.gop.push(message);
    kept.bytes += message.data.byteLength;
  }

  /** What a page that starts watching gets first: per camera, the init segment and the fragments since the last keyframe. */
  start(cameraIds: Iterable<string>): LiveViewMessage[] {
    const out: LiveViewMessage[] = [];
    for (const id of cameraIds) {
      const kept = this.cameras.get(id);
      if (kept) out.push(kept.init, ...kept.gop);
    }
    return out;
  }

  /** The camera's worker is gone (removed, restarted): its stream ends with it. */
  forget(cameraId: string): void {
    this.cameras.delete(cameraId);
  }

  /** Cameras with a stream kept (for tests and diagnostics). */
  cameraIds(): string[] {
    return [...this.cameras.keys()];
  }
}

export class LiveGate {
  /** Per camera: the stream and the last fragment sent, or null while waiting for a keyframe. */
  private readonly sent = new Map<string, { stream: number; seq: number | null }>();
  /** Fragments left out, counted. */
  skipped = 0;

  /**
   * Whether this message should go to the page now; `room` says whether the transport can take it.
   * Init segments and results always go when there is room; a fragment goes only if the page has
   * its stream's init segment and every fragment since the last keyframe.
   */
  admit(message: LiveViewMessage, room: boolean): boolean {
    if (message.type === 'live-init') {
      // An init segment is small, and without it nothing of the stream plays: it goes even when the page is behind.
      this.sent.set(message.cameraId, { stream: message.stream, seq: null });
      return true;
    }
    if (message.type !== 'live-media') return room;
    const state = this.sent.get(message.cameraId);
    if (!state || state.stream !== message.stream) return false;
    const follows = state.seq !== null && message.seq === state.seq + 1;
    if (!room || (!message.keyframe && !follows)) {
      state.seq = null;
      this.skipped++;
      return false;
    }
    state.seq = message.seq;
    return true;
  }
}
