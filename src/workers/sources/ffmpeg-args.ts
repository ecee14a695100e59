/**
 * The ffmpeg command line for one engine-side camera.
 *
 * One ffmpeg decodes the source once. Its filter graph caps the frame rate (the camera's maxFps,
 * and detect.fps, the rate the model gets: the lower of the two), then splits: one branch is scaled and letterboxed to the model's input size as raw RGB on
 * stdout, the other is the live view, JPEG frames at most 960 px wide on fd 3. The preview branch
 * keeps every K-th frame of the model branch (select on the frame number), so the worker can pair
 * preview frame j with model frame j*K and draw that frame's own detections on it.
 *
 * A stream URL goes to ffmpeg inside a one-line ffconcat list written to fd 4, never as an
 * argument: /proc/<pid>/cmdline (what `ps` shows) is readable by every local user, a pipe is not.
 * What the URL may reach is fixed here too: ffmpeg's protocol whitelist holds network protocols
 * only (the concat demuxer passes it on to the camera's own open, which passes it on to HLS
 * segments, keys and redirects), and the list is built so that nothing in the URL can add a line.
 */
import path from 'node:path';
import { controlCharacterIn } from '../../shared/contracts/sources';
import { secretsOf } from '../../shared/redact';

export type EngineSource =
  | { kind: 'stream'; url: string; transport?: 'tcp' | 'udp' }
  | { kind: 'file'; path: string; loop?: boolean }
  | { kind: 'device'; path: string };

export interface PreviewOptions {
  /** Widest preview frame; narrower sources keep their width. */
  maxWidth: number;
  /** Preview frames a second at most. */
  fps: number;
}

/**
 * The recording output (docs/ffmpeg-plan.md): the camera's own compressed stream copied, never
 * decoded, into fragmented-MP4 segments of about `segmentSeconds` (cut on keyframes), under
 * `dir`/YYYY-MM-DD/HH/ named by their start (ffmpeg runs with TZ=UTC, so the names are UTC; the
 * folders must exist before a segment opens: recording-dirs.ts). Each closed segment's CSV line
 * (name, start, end in stream seconds) is written to fd SEGMENT_LIST_FD.
 */
export interface RecordOutputOptions {
  dir: string;
  segmentSeconds: number;
  /** Part of every segment name of this run, so a restart within a second never reuses a name. */
  runTag: string;
  /** A second stream (recordUrl) to record instead of the decoded one: read through an input list on RECORD_LIST_FD. */
  url?: string;
  /** Copy the recorded input's audio: only when it is AAC (MP4 cannot hold G.711); the caller finds out. */
  audio: boolean;
}

export interface FfmpegPlanOptions {
  source: EngineSource;
  /** The model's input size: the raw frames are exactly width x height x 3 bytes. */
  width: number;
  height: number;
  maxFps?: number;
  /** Frames a second the model gets (detect.fps); the stream's own outputs will keep its rate. */
  detectFps?: number;
  /** null: no live view output (bench, CLI). */
  preview: PreviewOptions | null;
  /**
   * The picture of every model frame, RGB at the source's aspect within maxSide x maxSide, as PPM
   * frames on fd 8 (picture n is model frame n): what an event's snapshot is cut from. Absent: none.
   */
  picture?: { maxSide: number } | null;
  /** Files play at their own frame rate (-re) unless this is false (the bench decodes flat out). */
  realtime?: boolean;
  /**
   * Also copy the source's own video, not re-encoded, as fragmented MP4 on fd 6 (LIVE_FD) for the
   * live view (docs/ffmpeg-plan.md). Ignored for a still picture or a capture device, whose frames
   * are not a compressed stream an MP4 can hold.
   */
  live?: boolean;
  platform?: NodeJS.Platform;
  /** Absent or null: nothing is recorded. */
  record?: RecordOutputOptions | null;
}

export interface FfmpegPlan {
  args: string[];
  /** What the worker writes to ffmpeg's fd 4 (then closes), or null when nothing is read there. */
  inputList: string | null;
  /** What the worker writes to RECORD_LIST_FD (the recordUrl's input list), or null. */
  recordInputList: string | null;
  /** The input whose streams are recorded (0, or 1 with a recordUrl), or null when not recording. */
  recordInput: number | null;
  /** Preview frame j is model frame j * previewEvery. */
  previewEvery: number;
  /** ffmpeg writes the live fragmented MP4 on LIVE_FD. */
  live: boolean;
  /** ffmpeg's number of the live output (as in "output file #N"), or null. */
  liveOutput: number | null;
  frameBytes: number;
  /** The largest picture frame (PPM header included), or 0 without the picture output. */
  pictureMaxBytes: number;
  /** The source is one picture, repeated. */
  still: boolean;
}

/**
 * Protocols a stream source may use inside ffmpeg: RTSP (rtsp and rtsps are the demuxer's names,
 * listed as before in case an ffmpeg checks them) with its RTP/UDP, TLS for rtsps/https, HLS's
 * segments and AES keys (crypto), a proxy, and `pipe` for the input list on fd 4 itself (a nested
 * open inherits this list, and ffmpeg's HLS demuxer refuses pipe: segments on its own). Not here:
 * `file` and `data` (an HLS playlist could name /etc/... or a local video as a segment), nor
 * `unix`, `subfile`, `concat`, `cache`, `async`, `hls`, `rtmp`, `ftp` and the rest.
 */
export const STREAM_PROTOCOLS = 'pipe,rtsp,rtsps,rtp,srtp,udp,tcp,tls,http,https,httpproxy,crypto';

/** ffmpeg 4 reads an ffconcat line into a 4096-byte buffer and silently cuts what is longer. */
const MAX_LIST_LINE_BYTES = 4000;

/** A stream URL that cannot go into the input list (the schema refuses these before ffmpeg's turn). */
export class UnsafeStreamUrlError extends Error {}

/**
 * The ffconcat list for one URL. ffmpeg reads the list line by line (a line ends at \n, \r or NUL)
 * and then reads the file name as one token in which '...' quotes everything up to the next ' and
 * a backslash outside quotes takes the next character as it is. So: no control character at all,
 * the URL in single quotes, and each ' in it written as '\'' (close, escaped quote, reopen).
 */
export function ffconcatList(url: string, options: Record<string, string> = {}): string {
  const control = controlCharacterIn(url);
  if (control) throw new UnsafeStreamUrlError(`the stream URL holds a control character (${control.code}) at position ${control.index}`);
  const line = `file '${url.replace(/'/g, "'\\''")}'`;
  if (Buffer.byteLength(line) > MAX_LIST_LINE_BYTES) throw new UnsafeStreamUrlError('the stream URL is too long for ffmpeg\'s input list');
  // Options for the input (FFmpeg 5's `option` directive): names and values are ours, never typed.
  const optionLines = Object.entries(options).map(([key, value]) => `option ${key} ${value}\n`);
  return `ffconcat version 1.0\n${line}\n${optionLines.join('')}`;
}

/** The fd the preview JPEGs are written to, and the one the input list is read from. */
export const PREVIEW_FD = 3;
export const INPUT_LIST_FD = 4;
/** The fd the model frames' own pictures are written to. */
export const PICTURE_FD = 8;
/** Room for a PPM header ("P6\n9999 9999\n255\n" and then some). */
const PPM_HEADER_MAX = 32;
/** Closed recording segments, one CSV line each; and the recordUrl's input list. */
export const SEGMENT_LIST_FD = 5;
export const RECORD_LIST_FD = 7;

/** fragmented MP4: a segment cut short (SIGKILL) still plays up to its last whole fragment. */
export const SEGMENT_MOVFLAGS = 'movflags=+frag_keyframe+empty_moov+default_base_moof';
/** The fd of the live view's fragmented MP4 (fd 5 is the recording's segment list). */
export const LIVE_FD = 6;

/**
 * The live view's output: the source's video as it came (`-c copy`, no decode, no encode), the
 * init segment (ftyp+moov) first and empty of samples, then fragments: a new one at each keyframe
 * and at most every half second between (a camera's GOP is often 2-4 s, and a fragment reaches the
 * page only once it is complete). The engine keeps the init segment and the fragments since the
 * latest keyframe, where a late viewer starts.
 */
export const LIVE_OUTPUT = [
  '-map', '0:v:0', '-c:v', 'copy', '-an',
  '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '500000',
  `pipe:${LIVE_FD}`,
];

/** A source's frame rate when maxFps does not say (for the preview's spacing only). */
export const ASSUMED_FPS = 30;

/** Picture files ffmpeg reads as one frame. */
const STILL = /\.(jpe?g|png|bmp|webp|tiff?)$/i;

function inputArgs(source: EngineSource, platform: NodeJS.Platform, realtime: boolean, stillFps: number): { args: string[]; inputList: string | null } {
  switch (source.kind) {
    case 'stream': {
      const transport = source.transport && /^rtsps?:/i.test(source.url) ? source.transport : undefined;
      // -rtsp_transport must reach the RTSP demuxer itself, and the concat demuxer gives its input
      // no options (FFmpeg 5 added an `option` line for that; the npm package's 4.1 refuses it). A
      // URL without a password holds no secret, so it goes on the command line with the option; one
      // with a password stays in the list, with the option line (FFmpeg 5 and newer; the engine
      // refuses that combination on an older ffmpeg when the camera is saved, file-check.ts).
      if (transport && secretsOf(source.url).length === 0) {
        const control = controlCharacterIn(source.url);
        if (control) throw new UnsafeStreamUrlError(`the stream URL holds a control character (${control.code}) at position ${control.index}`);
        return { args: ['-rtsp_transport', transport, '-protocol_whitelist', STREAM_PROTOCOLS, '-i', source.url], inputList: null };
      }
      return {
        args: ['-f', 'concat', '-safe', '0', '-protocol_whitelist', STREAM_PROTOCOLS, '-i', `pipe:${INPUT_LIST_FD}`],
        inputList: ffconcatList(source.url, transport ? { rtsp_transport: transport } : {}),
      };
    }
    case 'file':
      // A still picture repeats at a few frames a second (a looped one-frame file would repeat one timestamp).
      if (STILL.test(source.path)) {
        return { args: ['-re', '-loop', '1', '-framerate', String(stillFps), '-i', `file:${path.resolve(source.path)}`], inputList: null };
      }
      // -re: play at the file's own frame rate, like a camera. file: keeps a name like "http:x" a file.
      return {
        args: [...(realtime ? ['-re'] : []), ...(source.loop === false ? [] : ['-stream_loop', '-1']), '-i', `file:${path.resolve(source.path)}`],
        inputList: null,
      };
    case 'device':
      if (platform === 'darwin') return { args: ['-f', 'avfoundation', '-framerate', '30', '-i', source.path], inputList: null };
      if (platform === 'win32') return { args: ['-f', 'dshow', '-i', `video=${source.path}`], inputList: null };
      return { args: ['-f', 'v4l2', '-i', source.path], inputList: null };
  }
}

/** Scale keeping the aspect ratio and pad centred, rounding as planLetterbox does. */
function letterboxFilter(w: number, h: number): string {
  const s = `min(${w}/iw,${h}/ih)`;
  return `scale=w='round(iw*${s})':h='round(ih*${s})',format=rgb24,pad=${w}:${h}:'floor((ow-iw)/2)':'floor((oh-ih)/2)'`;
}

/** ffmpeg's strftime reads % in the folder as a conversion: a literal one is written %%. */
function strftimeLiteral(text: string): string {
  return text.replace(/%/g, '%%');
}

/** The recording output's arguments (they follow every input). */
function recordOutputArgs(record: RecordOutputOptions, input: number): string[] {
  if (!/^[a-z0-9]{1,16}$/.test(record.runTag)) throw new Error(`run tag ${JSON.stringify(record.runTag)} is not 1 to 16 lowercase letters or digits`);
  const pattern = path.join(strftimeLiteral(path.resolve(record.dir)), '%Y-%m-%d', '%H', `%Y%m%d-%H%M%S-${record.runTag}.mp4`);
  return [
    '-map', `${input}:v:0`,
    ...(record.audio ? ['-map', `${input}:a:0?`, '-c:a', 'copy'] : ['-an']),
    '-c:v', 'copy',
    '-f', 'segment',
    '-segment_time', String(record.segmentSeconds),
    '-segment_format', 'mp4',
    '-segment_format_options', SEGMENT_MOVFLAGS,
    '-reset_timestamps', '1',
    '-strftime', '1',
    '-segment_list', `pipe:${SEGMENT_LIST_FD}`,
    '-segment_list_type', 'csv',
    pattern,
  ];
}

export function planFfmpeg(options: FfmpegPlanOptions): FfmpegPlan {
  const { width, height, preview } = options;
  // Until recording and the live view copy the stream (docs/ffmpeg-plan.md), every output of this
  // graph is the model's: one rate, the lower of maxFps and detect.fps.
  const rates = [options.maxFps, options.detectFps].filter((r): r is number => r !== undefined);
  const maxFps = rates.length > 0 ? Math.min(...rates) : undefined;
  const still = options.source.kind === 'file' && STILL.test(options.source.path);
  const stillFps = maxFps ?? 5;
  const input = inputArgs(options.source, options.platform ?? process.platform, options.realtime ?? true, stillFps);
  const record = still ? null : (options.record ?? null);
  // recordUrl: a second input, mapped to the recording only, so it is copied and never decoded.
  const recordInputList = record?.url ? ffconcatList(record.url) : null;
  const recordInputArgs = recordInputList ? ['-f', 'concat', '-safe', '0', '-protocol_whitelist', STREAM_PROTOCOLS, '-i', `pipe:${RECORD_LIST_FD}`] : [];
  const recordInput = record ? (recordInputList ? 1 : 0) : null;
  const fps = maxFps ? `fps=${maxFps},` : '';
  let previewEvery = 1;
  let graph: string;
  const picture = options.picture ?? null;
  if (preview) {
    // Without maxFps the model branch's rate is unknown up front: take a camera's usual 30 fps
    // (a 25 fps stream then gets a few previews fewer a second, a 60 fps one more, which the
    // worker throttles). Encoding a JPEG for every frame instead cost more CPU than inference.
    previewEvery = Math.max(1, Math.round((still ? stillFps : (maxFps ?? ASSUMED_FPS)) / preview.fps));
    const select = previewEvery > 1 ? `select='not(mod(n,${previewEvery}))',` : '';
    graph =
      `[0:v]${fps}split=${picture ? 3 : 2}[m][p]${picture ? '[s]' : ''};` +
      `[m]${letterboxFilter(width, height)}[model];` +
      `[p]${select}scale='min(${preview.maxWidth},iw)':-2,format=yuvj420p[preview]`;
  } else if (picture) {
    graph = `[0:v]${fps}split=2[m][s];[m]${letterboxFilter(width, height)}[model]`;
  } else {
    graph = `[0:v]${fps}${letterboxFilter(width, height)}[model]`;
  }
  if (picture) {
    const side = picture.maxSide;
    graph += `;[s]scale=w='min(${side},iw)':h='min(${side},ih)':force_original_aspect_ratio=decrease,format=rgb24[picture]`;
  }
  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'info',
    ...input.args,
    ...recordInputArgs,
    '-filter_complex',
    graph,
    // Every frame the graph makes is written once: frame n of both outputs is the same picture.
    '-vsync',
    'passthrough',
    '-map',
    '[model]',
    '-an',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
  if (preview) args.push('-map', '[preview]', '-an', '-f', 'mjpeg', '-q:v', '6', `pipe:${PREVIEW_FD}`);
  if (record && recordInput !== null) args.push(...recordOutputArgs(record, recordInput));
  const live = options.live === true && !still && options.source.kind !== 'device';
  // The live view copies input 0, the stream the model sees, so a result's time is a time of the video shown.
  if (live) args.push(...LIVE_OUTPUT);
  const liveOutput = live ? 1 + (preview ? 1 : 0) + (record && recordInput !== null ? 1 : 0) : null;
  // The pictures' output comes last, so the live output keeps its number.
  if (picture) args.push('-map', '[picture]', '-an', '-f', 'image2pipe', '-c:v', 'ppm', `pipe:${PICTURE_FD}`);
  return { args, inputList: input.inputList, recordInputList, recordInput, previewEvery, live, liveOutput, frameBytes: width * height * 3, pictureMaxBytes: picture ? picture.maxSide * picture.maxSide * 3 + PPM_HEADER_MAX : 0, still };
}

/** How a source is named in logs and the UI: never with its password. */
export function describeSource(source: EngineSource, redact: (url: string) => string): string {
  return source.kind === 'stream' ? redact(source.url) : source.path;
}
