/**
 * The binary envelope every binary message uses (frames, track snapshots, previews): a 4-byte
 * big-endian length, that many bytes of UTF-8 JSON header, then the body bytes. Only the framing is
 * checked here; each message's schema checks the header it carries.
 */

export function encodeEnvelope(header: object, body: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length, false);
  out.set(json, 4);
  out.set(body, 4 + json.length);
  return out;
}

export type Envelope = { ok: true; header: Record<string, unknown>; body: Uint8Array } | { ok: false; error: string };

/**
 * The JSON header and the body of a binary message, or what is wrong with its framing. The body
 * is a view of `bytes`, not a copy.
 */
export function splitEnvelope(bytes: Uint8Array, maxHeaderBytes: number): Envelope {
  if (bytes.length < 4) return { ok: false, error: 'message shorter than its length prefix' };
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (headerLength > maxHeaderBytes || 4 + headerLength > bytes.length) return { ok: false, error: 'header length out of range' };
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  } catch {
    return { ok: false, error: 'header is not JSON' };
  }
  return { ok: true, header: typeof header === 'object' && header ? (header as Record<string, unknown>) : {}, body: bytes.subarray(4 + headerLength) };
}
