/**
 * Cuts ffmpeg's fragmented MP4 (`-movflags frag_keyframe+empty_moov+default_base_moof`, the live
 * output on its pipe) into what a page's Media Source needs: the init segment (ftyp + moov) and
 * media fragments (moof + mdat, with any styp/sidx/prft before them). It keeps the init segment
 * and the fragments since the last keyframe, so a page that starts watching gets the init segment
 * and starts at the latest keyframe. Under frag_keyframe each fragment starts with a keyframe;
 * the moof's sample flags say so either way (mp4-boxes.ts readMoof), and a fragment that does not
 * start on one is appended to the group it belongs to.
 */
import { Mp4Error, readBoxHeader, readMoof, readMoov, type FragmentInfo, type VideoTrackInfo } from './mp4-boxes';

export interface InitSegment {
  data: Uint8Array;
  track: VideoTrackInfo;
}

export interface MediaFragment extends FragmentInfo {
  data: Uint8Array;
  /** Counts up from 0 within one stream (one ffmpeg run). */
  seq: number;
}

/** A box larger than this is not a live stream's: the reader starts over at the next init segment. */
export const MAX_BOX_BYTES = 32 * 1024 * 1024;
/** Fragments since the keyframe kept at most, in bytes: past it a new viewer waits for the next keyframe. */
export const MAX_GOP_BYTES = 16 * 1024 * 1024;

export interface Fmp4ReaderEvents {
  onInit?(init: InitSegment): void;
  onFragment?(fragment: MediaFragment): void;
  /** The stream broke (a box that cannot be): what was kept is dropped, and nothing more is read until reset(). */
  onError?(error: Error): void;
}

export class Fmp4Reader {
  private buffer: Uint8Array = new Uint8Array(0);
  private ftyp: Uint8Array | null = null;
  /** Boxes seen since the last fragment (styp, sidx, prft, moof), in order. */
  private pending: Uint8Array[] = [];
  private moofInfo: FragmentInfo | null = null;
  private broken = false;
  private nextSeq = 0;
  private gopBytes = 0;
  private gopKept = true;
  /** The init segment of the current stream, or null before its moov. */
  init: InitSegment | null = null;
  /** The fragments since (and including) the last keyframe; empty before the first one. */
  gop: MediaFragment[] = [];

  constructor(private readonly events: Fmp4ReaderEvents = {}) {}

  push(chunk: Uint8Array): void {
    if (this.broken) return;
    this.buffer = this.buffer.length === 0 ? chunk : concat([this.buffer, chunk]);
    let at = 0;
    try {
      for (;;) {
        const box = readBoxHeader(this.buffer, at);
        if (!box) break;
        if (box.size > MAX_BOX_BYTES) throw new Mp4Error(`a '${box.type}' box of ${box.size} bytes is over the live view's ${MAX_BOX_BYTES}`);
        if (this.buffer.length - at < box.size) break;
        // A copy: the box must not pin the pipe's chunk, nor change when the buffer is reused.
        this.onBox(box.type, this.buffer.slice(at, at + box.size));
        at += box.size;
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.buffer = this.buffer.subarray(at);
  }

  /** A new stream (ffmpeg restarted): nothing of the old one is kept. */
  reset(): void {
    this.buffer = new Uint8Array(0);
    this.ftyp = null;
    this.pending = [];
    this.moofInfo = null;
    this.broken = false;
    this.nextSeq = 0;
    this.init = null;
    this.dropGop();
  }

  private fail(error: Error): void {
    this.reset();
    // Box boundaries are lost: nothing more of this stream can be read. A new ffmpeg run resets.
    this.broken = true;
    this.events.onError?.(error);
  }

  private onBox(type: string, box: Uint8Array): void {
    switch (type) {
      case 'ftyp':
        this.ftyp = box;
        return;
      case 'moov': {
        const track = readMoov(box, 0, box.length);
        this.init = { data: this.ftyp ? concat([this.ftyp, box]) : box, track };
        this.pending = [];
        this.moofInfo = null;
        this.nextSeq = 0;
        this.dropGop();
        this.events.onInit?.(this.init);
        return;
      }
      case 'moof':
        if (!this.init) return;
        this.moofInfo = readMoof(box, 0, box.length, this.init.track);
        this.pending.push(box);
        return;
      case 'mdat': {
        if (!this.init || !this.moofInfo) return;
        this.pending.push(box);
        const fragment: MediaFragment = { ...this.moofInfo, data: concat(this.pending), seq: this.nextSeq++ };
        this.pending = [];
        this.moofInfo = null;
        this.keep(fragment);
        this.events.onFragment?.(fragment);
        return;
      }
      case 'mfra':
        return; // the random-access index at the end of a file: nothing a live viewer needs
      default:
        // styp, sidx, prft...: they belong to the fragment that follows.
        if (this.init) this.pending.push(box);
    }
  }

  private keep(fragment: MediaFragment): void {
    if (fragment.keyframe) {
      this.dropGop();
      this.gopKept = true;
    }
    if (!this.gopKept) return;
    if (this.gopBytes + fragment.data.length > MAX_GOP_BYTES) {
      this.dropGop();
      return;
    }
    this.gop.push(fragment);
    this.gopBytes += fragment.data.length;
  }

  private dropGop(): void {
    this.gop = [];
    this.gopBytes = 0;
    // Until a keyframe comes, fragments are not a place a viewer can start.
    this.gopKept = false;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
