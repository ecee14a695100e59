/**
 * The live view's messages and their flow, in process: the binary form and its checks where it
 * arrives, what the engine keeps for a page that joins late, and how a page that reads slowly
 * skips to the next keyframe instead of getting fragments it cannot decode.
 */
import { describe, expect, it } from 'vitest';
import { decodeLiveView, encodeLiveView, type LiveInitMessage, type LiveMediaMessage, type LiveViewMessage } from '../../src/shared/contracts/live';
import { encodeEnvelope } from '../../src/shared/contracts/envelope';
import { LiveCache, LiveGate } from '../../src/engine/live-cache';

const init = (stream = 1): LiveInitMessage => ({ type: 'live-init', cameraId: 'door', stream, codec: 'avc1.42c01e', width: 640, height: 480, timescale: 90000, data: new Uint8Array([1, 2, 3]) });
const media = (seq: number, keyframe: boolean, stream = 1): LiveMediaMessage => ({
  type: 'live-media', cameraId: 'door', stream, seq, keyframe, decodeTime: seq * 45000, samples: 15, duration: 45000, data: new Uint8Array([seq, 9, 9]),
});

describe('live view messages', () => {
  it('go through the binary envelope and come back the same, bytes included', () => {
    const messages: LiveViewMessage[] = [
      init(),
      media(3, true),
      { type: 'live-result', cameraId: 'door', frameId: 7, detections: [], sourceWidth: 640, sourceHeight: 480, decodedAt: 1, mediaTime: 1.5 },
      { type: 'preview', cameraId: 'door', frameId: 2, width: 640, height: 480, detections: [], decodedAt: 1, jpeg: new Uint8Array([0xff, 0xd8]) },
    ];
    for (const message of messages) {
      const decoded = decodeLiveView(encodeLiveView(message));
      expect(decoded).toEqual({ ok: true, message });
    }
  });

  it('are refused with a reason when the header does not hold', () => {
    const bad = (header: object, body = new Uint8Array([1])) => decodeLiveView(encodeEnvelope(header, body));
    expect(bad({ ...init(), data: undefined, codec: 'avc1"; x' })).toMatchObject({ ok: false, error: expect.stringMatching(/codec string/) });
    expect(bad({ ...media(1, true), data: undefined, seq: -1 })).toMatchObject({ ok: false, error: expect.stringMatching(/at seq/) });
    expect(bad({ type: 'live-result', cameraId: 'door', frameId: 1, detections: [], sourceWidth: 1, sourceHeight: 1, decodedAt: 0, mediaTime: null })).toMatchObject({ ok: false, error: expect.stringMatching(/carries no bytes/) });
    expect(bad({ type: 'something-else', cameraId: 'door' })).toMatchObject({ ok: false });
    expect(decodeLiveView(new Uint8Array([0, 0, 9]))).toMatchObject({ ok: false, error: expect.stringMatching(/^live view: /) });
  });
});

describe('LiveCache', () => {
  it('keeps each camera\'s init segment and the fragments since its last keyframe', () => {
    const cache = new LiveCache();
    cache.note(media(0, true)); // before its init segment: nothing to start on
    expect(cache.start(['door'])).toEqual([]);
    cache.note(init());
    cache.note(media(1, false)); // no keyframe yet
    expect(cache.start(['door'])).toEqual([init()]);
    for (const [seq, key] of [[2, true], [3, false], [4, true], [5, false], [6, false]] as const) cache.note(media(seq, key));
    expect(cache.start(['door'])).toEqual([init(), media(4, true), media(5, false), media(6, false)]);
    expect(cache.start(['yard'])).toEqual([]);
    // A new ffmpeg run: a new stream, whose fragments alone count.
    cache.note(init(2));
    cache.note(media(7, true)); // a late fragment of the old stream
    expect(cache.start(['door'])).toEqual([init(2)]);
    cache.forget('door');
    expect(cache.start(['door'])).toEqual([]);
  });
});

describe('LiveGate', () => {
  it('after a fragment left out, sends nothing of that camera until the next keyframe', () => {
    const gate = new LiveGate();
    expect(gate.admit(media(0, true), true)).toBe(false); // no init segment sent yet
    expect(gate.admit(init(), false)).toBe(true); // an init segment goes even when the page is behind
    expect(gate.admit(media(1, false), true)).toBe(false); // not a keyframe: nowhere to start
    expect(gate.admit(media(2, true), true)).toBe(true);
    expect(gate.admit(media(3, false), true)).toBe(true);
    expect(gate.admit(media(4, false), false)).toBe(false); // no room: left out
    expect(gate.admit(media(5, false), true)).toBe(false); // follows a gap
    expect(gate.admit(media(6, true), true)).toBe(true);
    expect(gate.admit(media(7, false), true)).toBe(true);
    expect(gate.admit(media(8, false, 2), true)).toBe(false); // another stream's, without its init segment
    expect(gate.skipped).toBe(3);
    const result: LiveViewMessage = { type: 'live-result', cameraId: 'door', frameId: 1, detections: [], sourceWidth: 1, sourceHeight: 1, decodedAt: 0, mediaTime: null };
    expect(gate.admit(result, true)).toBe(true);
    expect(gate.admit(result, false)).toBe(false);
  });
});
