/**
 * Reading ISO BMFF (MP4) boxes out of bytes: the box headers, and the few fields the live view
 * needs from a fragmented MP4's init segment (the video track's codec string, picture size and
 * timescale, from moov) and from each fragment (moof: whether its first sample is a sync sample,
 * its decode time, its sample count and duration). Field layouts are ISO/IEC 14496-12 (boxes) and
 * 14496-15 (avcC, hvcC); the codec strings are RFC 6381's. Pure: no I/O, no Node APIs.
 */

export interface BoxHeader {
  type: string;
  /** Where the box starts and how long it is, header included. */
  start: number;
  size: number;
  /** Where its payload starts. */
  body: number;
}

/** A box's header at `at`, or null while fewer bytes than the header are there. Throws on a size that cannot be. */
export function readBoxHeader(bytes: Uint8Array, at: number, end = bytes.length): BoxHeader | null {
  if (end - at < 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size = view.getUint32(at);
  const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
  let body = at + 8;
  if (size === 1) {
    if (end - at < 16) return null;
    const large = view.getBigUint64(at + 8);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) throw new Mp4Error(`box ${printable(type)} is too large`);
    size = Number(large);
    body = at + 16;
  } else if (size === 0) {
    throw new Mp4Error(`box ${printable(type)} runs to the end of the file, which a stream never reaches`);
  }
  if (size < body - at) throw new Mp4Error(`box ${printable(type)} declares ${size} bytes, less than its header`);
  return { type, start: at, size, body };
}

export class Mp4Error extends Error {}

function printable(type: string): string {
  return /^[\x20-\x7e]{4}$/.test(type) ? `'${type}'` : 'of an unreadable type';
}

/** The boxes inside [from, to), each whole (a box that overruns `to` is an error). */
export function childBoxes(bytes: Uint8Array, from: number, to: number): BoxHeader[] {
  const out: BoxHeader[] = [];
  let at = from;
  while (at + 8 <= to) {
    const box = readBoxHeader(bytes, at, to);
    if (!box || box.start + box.size > to) throw new Mp4Error(`box ${box ? printable(box.type) : ''} overruns its parent`);
    out.push(box);
    at += box.size;
  }
  return out;
}

/** The first box along a path of types (each inside the one before), or null. */
export function findBox(bytes: Uint8Array, from: number, to: number, path: string[]): BoxHeader | null {
  let range = { from, to };
  let found: BoxHeader | null = null;
  for (const type of path) {
    found = childBoxes(bytes, range.from, range.to).find((b) => b.type === type) ?? null;
    if (!found) return null;
    range = { from: found.body, to: found.start + found.size };
  }
  return found;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

export interface VideoTrackInfo {
  trackId: number;
  /** RFC 6381 codec string, e.g. avc1.64001f; for a codec it cannot spell, the sample entry's type. */
  codec: string;
  width: number;
  height: number;
  /** Media timescale (ticks a second) of the track: fragment times are in it. */
  timescale: number;
  /** trex defaults for fragments that do not say. */
  defaultSampleDuration: number;
  defaultSampleFlags: number;
}

/** The first video track of a moov box (the whole box, header included, at `start`). */
export function readMoov(bytes: Uint8Array, start: number, size: number): VideoTrackInfo {
  const end = start + size;
  const moovBody = readBoxHeader(bytes, start, end)!.body;
  const dv = view(bytes);
  for (const trak of childBoxes(bytes, moovBody, end).filter((b) => b.type === 'trak')) {
    const trakEnd = trak.start + trak.size;
    const hdlr = findBox(bytes, trak.body, trakEnd, ['mdia', 'hdlr']);
    if (!hdlr) continue;
    const handler = String.fromCharCode(...bytes.subarray(hdlr.body + 8, hdlr.body + 12));
    if (handler !== 'vide') continue;
    const tkhd = findBox(bytes, trak.body, trakEnd, ['tkhd']);
    const mdhd = findBox(bytes, trak.body, trakEnd, ['mdia', 'mdhd']);
    const stsd = findBox(bytes, trak.body, trakEnd, ['mdia', 'minf', 'stbl', 'stsd']);
    if (!tkhd || !mdhd || !stsd) throw new Mp4Error('the video track lacks tkhd, mdhd or stsd');
    const trackId = dv.getUint32(tkhd.body + (bytes[tkhd.body] === 1 ? 20 : 12));
    const timescale = dv.getUint32(mdhd.body + (bytes[mdhd.body] === 1 ? 20 : 12));
    // stsd: version/flags, entry count, then the sample entries.
    const entry = childBoxes(bytes, stsd.body + 8, stsd.start + stsd.size)[0];
    if (!entry) throw new Mp4Error('the video track has no sample entry');
    // VisualSampleEntry: 8 bytes of SampleEntry, 16 reserved, width and height, then 50 more bytes before its boxes.
    const width = dv.getUint16(entry.body + 24);
    const height = dv.getUint16(entry.body + 26);
    const codec = codecString(bytes, entry);
    let defaultSampleDuration = 0;
    let defaultSampleFlags = 0;
    const mvex = childBoxes(bytes, moovBody, end).find((b) => b.type === 'mvex');
    for (const trex of mvex ? childBoxes(bytes, mvex.body, mvex.start + mvex.size).filter((b) => b.type === 'trex') : []) {
      if (dv.getUint32(trex.body + 4) !== trackId) continue;
      defaultSampleDuration = dv.getUint32(trex.body + 12);
      defaultSampleFlags = dv.getUint32(trex.body + 20);
    }
    return { trackId, codec, width, height, timescale, defaultSampleDuration, defaultSampleFlags };
  }
  throw new Mp4Error('the init segment has no video track');
}

/** RFC 6381's codec parameter for a visual sample entry. */
function codecString(bytes: Uint8Array, entry: BoxHeader): string {
  const children = childBoxes(bytes, entry.body + 78, entry.start + entry.size);
  const config = (type: string) => children.find((b) => b.type === type);
  if (entry.type === 'avc1' || entry.type === 'avc3') {
    const avcC = config('avcC');
    // configurationVersion, then profile, profile compatibility and level: avc1.PPCCLL.
    if (avcC) return `${entry.type}.${hex2(bytes[avcC.body + 1])}${hex2(bytes[avcC.body + 2])}${hex2(bytes[avcC.body + 3])}`;
  }
  if (entry.type === 'hvc1' || entry.type === 'hev1') {
    const hvcC = config('hvcC');
    if (hvcC) return `${entry.type}.${hevcParameters(bytes.subarray(hvcC.body, hvcC.start + hvcC.size))}`;
  }
  if (entry.type === 'mp4v') {
    const esds = config('esds');
    const oti = esds ? objectTypeIndication(bytes.subarray(esds.body + 4, esds.start + esds.size)) : null;
    if (oti !== null) return `mp4v.${hex2(oti)}`;
  }
  return entry.type;
}

/** hvcC's general profile, compatibility flags (bit-reversed), tier and level, and constraint bytes (trailing zeros dropped). */
function hevcParameters(c: Uint8Array): string {
  const space = ['', 'A', 'B', 'C'][c[1] >> 6];
  const tier = (c[1] >> 5) & 1 ? 'H' : 'L';
  const profile = c[1] & 0x1f;
  let compat = view(c).getUint32(2);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed << 1) | (compat & 1);
    compat >>>= 1;
  }
  const constraints = [...c.subarray(6, 12)];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  return [`${space}${profile}`, (reversed >>> 0).toString(16), `${tier}${c[12]}`, ...constraints.map(hex2)].join('.');
}

/** The ES descriptor's DecoderConfigDescriptor (tag 4) objectTypeIndication, or null. */
function objectTypeIndication(d: Uint8Array): number | null {
  let at = 0;
  const length = (): number => {
    let n = 0;
    for (let i = 0; i < 4 && at < d.length; i++) {
      const b = d[at++];
      n = (n << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return n;
  };
  if (d[at++] !== 0x03) return null;
  length();
  const flags = d[at + 2];
  at += 3;
  if (flags & 0x80) at += 2;
  if (flags & 0x40) at += 1 + d[at];
  if (flags & 0x20) at += 2;
  if (d[at++] !== 0x04) return null;
  length();
  return at < d.length ? d[at] : null;
}

export interface FragmentInfo {
  /** The fragment's first sample of the video track is a sync sample (a keyframe). */
  keyframe: boolean;
  /** tfdt's base media decode time, in the track's timescale (null when absent). */
  decodeTime: number | null;
  samples: number;
  /** Summed sample durations, in the track's timescale. */
  duration: number;
}

/** What a moof says about the video track's samples. */
export function readMoof(bytes: Uint8Array, start: number, size: number, track: VideoTrackInfo): FragmentInfo {
  const end = start + size;
  const body = readBoxHeader(bytes, start, end)!.body;
  const dv = view(bytes);
  for (const traf of childBoxes(bytes, body, end).filter((b) => b.type === 'traf')) {
    const boxes = childBoxes(bytes, traf.body, traf.start + traf.size);
    const tfhd = boxes.find((b) => b.type === 'tfhd');
    if (!tfhd || dv.getUint32(tfhd.body + 4) !== track.trackId) continue;
    const tfhdFlags = dv.getUint32(tfhd.body) & 0xffffff;
    let at = tfhd.body + 8;
    if (tfhdFlags & 0x01) at += 8;
    if (tfhdFlags & 0x02) at += 4;
    let defaultDuration = track.defaultSampleDuration;
    let defaultFlags = track.defaultSampleFlags;
    if (tfhdFlags & 0x08) defaultDuration = dv.getUint32((at += 4) - 4);
    if (tfhdFlags & 0x10) at += 4;
    if (tfhdFlags & 0x20) defaultFlags = dv.getUint32(at);
    const tfdt = boxes.find((b) => b.type === 'tfdt');
    const decodeTime = !tfdt ? null : bytes[tfdt.body] === 1 ? Number(dv.getBigUint64(tfdt.body + 4)) : dv.getUint32(tfdt.body + 4);
    let samples = 0;
    let duration = 0;
    let firstFlags: number | null = null;
    for (const trun of boxes.filter((b) => b.type === 'trun')) {
      const flags = dv.getUint32(trun.body) & 0xffffff;
      const count = dv.getUint32(trun.body + 4);
      let p = trun.body + 8;
      if (flags & 0x01) p += 4;
      let first: number | null = null;
      if (flags & 0x04) first = dv.getUint32((p += 4) - 4);
      const per = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
      if (p + count * per > trun.start + trun.size) throw new Mp4Error('trun declares more samples than it holds');
      for (let i = 0; i < count; i++, p += per) {
        let q = p;
        if (flags & 0x100) duration += dv.getUint32((q += 4) - 4);
        else duration += defaultDuration;
        if (flags & 0x200) q += 4;
        if (samples === 0 && i === 0) firstFlags = first ?? (flags & 0x400 ? dv.getUint32(q) : defaultFlags);
      }
      samples += count;
    }
    // sample_is_non_sync_sample is bit 16 of the sample flags; sample_depends_on 1 means "not an I picture".
    const keyframe = firstFlags !== null && ((firstFlags >> 16) & 1) === 0 && ((firstFlags >> 24) & 3) !== 1;
    return { keyframe, decodeTime, samples, duration };
  }
  return { keyframe: false, decodeTime: null, samples: 0, duration: 0 };
}
