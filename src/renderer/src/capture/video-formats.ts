/**
 * Why a video file cannot be shown, in words: the file is gone (an object URL from before a
 * reload or from another window), or this browser cannot play its format, and which formats it can.
 */

/** Object URLs this page made for picked video files: only these still point at a file. */
const ownUrls = new Set<string>();

export function videoUrlFor(file: Blob): string {
  const url = URL.createObjectURL(file);
  ownUrls.add(url);
  return url;
}

const CANDIDATES: Array<[string, string]> = [
  ['WebM (VP8)', 'video/webm; codecs="vp8"'],
  ['WebM (VP9)', 'video/webm; codecs="vp9"'],
  ['WebM (AV1)', 'video/webm; codecs="av01.0.05M.08"'],
  ['MP4 (H.264)', 'video/mp4; codecs="avc1.42E01E"'],
  ['MP4 (H.265)', 'video/mp4; codecs="hvc1.1.6.L93.B0"'],
  ['MP4 (AV1)', 'video/mp4; codecs="av01.0.05M.08"'],
  ['Ogg (Theora)', 'video/ogg; codecs="theora"'],
];

/** The video formats this browser says it can play. */
export function playableFormats(): string[] {
  const probe = document.createElement('video');
  return CANDIDATES.filter(([, type]) => probe.canPlayType(type) !== '').map(([name]) => name);
}

export function videoErrorMessage(video: HTMLVideoElement, url: string): string {
  if (url.startsWith('blob:') && !ownUrls.has(url)) {
    return 'the video file was picked in another window or before a reload, so this page cannot open it; pick it again (Edit)';
  }
  const code = video.error?.code;
  const formats = playableFormats();
  const canPlay = formats.length > 0 ? `; this browser plays ${formats.join(', ')}` : '';
  if (code === 4 /* MEDIA_ERR_SRC_NOT_SUPPORTED */ || code === 3 /* MEDIA_ERR_DECODE */) {
    return `this video's format cannot be played here${video.error?.message ? ` (${video.error.message})` : ''}${canPlay}. Convert it, or pick another file (Edit)`;
  }
  return `the video could not be loaded${video.error?.message ? ` (${video.error.message})` : ''}${canPlay}`;
}
