/**
 * Reads ffmpeg's stderr: the source's size (for letterbox maths and the overlay) and, when ffmpeg
 * gives up, its own reason in one line a person can act on. Every line is redacted before it is
 * kept, so no password can leave through here.
 */

export type FailureCode =
  | 'refused'
  | 'unauthorized'
  | 'not-found'
  | 'no-such-file'
  | 'not-video'
  | 'unsupported-codec'
  | 'timeout'
  | 'unreachable'
  /** The URL would take ffmpeg outside the network protocols (a control character, a file: segment). */
  | 'refused-url'
  | 'failed';

export interface SourceFailure {
  code: FailureCode;
  /** ffmpeg's words, redacted, without its "[rtsp @ 0x...]" prefixes. */
  message: string;
}

interface Rule {
  code: FailureCode;
  pattern: RegExp;
}

// Most specific first: an RTSP 401 also prints "Impossible to open" and so on.
const RULES: Rule[] = [
  { code: 'unauthorized', pattern: /\b40[13] (Unauthorized|Forbidden)|authorization failed/i },
  { code: 'not-found', pattern: /\b404 Not Found/i },
  { code: 'refused', pattern: /Connection refused/i },
  { code: 'no-such-file', pattern: /No such file or directory/i },
  {
    code: 'unsupported-codec',
    pattern: /Decoder \(codec [^)]*\) not found|Unsupported codec|codec not currently supported|Unknown decoder|no decoder/i,
  },
  {
    code: 'not-video',
    pattern: /matches no streams|does not contain any stream|Invalid data found when processing input|not a video: read as text/i,
  },
  { code: 'timeout', pattern: /timed out|Operation timed out/i },
  {
    code: 'unreachable',
    pattern: /No route to host|Network is unreachable|Name or service not known|Failed to resolve hostname|Temporary failure in name resolution/i,
  },
  { code: 'refused-url', pattern: /Protocol '[^']*' not on whitelist/i },
  { code: 'failed', pattern: /Server returned [0-9]{3}|Permission denied|Input\/output error|Protocol not found|Error opening input/i },
];

const MAX_LINES = 60;

export class FfmpegLog {
  private partial = '';
  private readonly lines: string[] = [];
  private inInput = false;
  /** Size of the decoded source picture, from the "Input #0" section. */
  sourceWidth: number | null = null;
  sourceHeight: number | null = null;
  /** The codec of each input's first audio stream (input index -> ffmpeg's codec name, e.g. aac, pcm_mulaw). */
  readonly audioCodecs = new Map<number, string>();
  /** The codec of each input's first video stream. */
  readonly videoCodecs = new Map<number, string>();
  /** ffmpeg 4 opens a text file as ANSI art (the tty demuxer): the source must treat that as not a video. */
  readAsText = false;

  /**
   * @param redact masks credentials in a line
   * @param inputName replaces "pipe:4" (the input list) in ffmpeg's messages with the redacted source
   */
  constructor(
    private readonly redact: (line: string) => string,
    private readonly inputName: string | null = null,
  ) {}

  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const parts = text.split(/\r\n|\n|\r/);
    this.partial = parts.pop() ?? '';
    if (this.partial.length > 4096) this.partial = this.partial.slice(-4096);
    const added: string[] = [];
    for (const raw of parts) {
      const line = this.clean(raw);
      if (!line) continue;
      this.inspect(line);
      this.lines.push(line);
      if (this.lines.length > MAX_LINES) this.lines.shift();
      added.push(line);
    }
    return added;
  }

  private clean(raw: string): string {
    let line = this.redact(raw.trim()).replace(/\[([\w-]+) @ 0x[0-9a-f]+\] /gi, '[$1] ');
    if (this.inputName) line = line.replace(/^pipe:4: /, `${this.inputName}: `);
    return line;
  }

  private inspect(line: string): void {
    if (/^Input #0/.test(line)) {
      this.inInput = true;
      // ffmpeg 4 reads a text file as ANSI art; that is not a camera.
      if (/^Input #0, tty,/.test(line)) {
        this.readAsText = true;
        this.lines.push(`${line.replace(/^Input #0, tty, from /, '').replace(/:$/, '')}: not a video: read as text`);
      }
      return;
    }
    if (/^(Output #|Stream mapping)/.test(line)) this.inInput = false;
    if (!this.inInput) return;
    const audio = /^Stream #(\d+):\d+.*?: Audio: ([a-z0-9_]+)/.exec(line);
    if (audio && !this.audioCodecs.has(Number(audio[1]))) this.audioCodecs.set(Number(audio[1]), audio[2]);
    const video = /^Stream #(\d+):\d+.*?: Video: ([a-z0-9_]+)/.exec(line);
    if (video && !this.videoCodecs.has(Number(video[1]))) this.videoCodecs.set(Number(video[1]), video[2]);
    if (this.sourceWidth !== null) return;
    const m = /Stream #0:\d+.*?: Video: .*?, (\d{1,5})x(\d{1,5})[ ,]/.exec(line + ' ');
    if (m) {
      this.sourceWidth = Number(m[1]);
      this.sourceHeight = Number(m[2]);
    }
  }

  /**
   * ffmpeg refused to open the given output's muxer: the MP4 muxer cannot hold the source's codec
   * (VP8, raw video...) and says "Could not find tag for codec X ... not currently supported in
   * container" and "Could not write header for output file #N".
   */
  outputRefused(output: number): boolean {
    return this.lines.some((line) => line.startsWith(`Could not write header for output file #${output} `));
  }

  /** The reason ffmpeg gave up, or null if its output says nothing recognisable. */
  failure(): SourceFailure | null {
    for (const rule of RULES) {
      for (let i = this.lines.length - 1; i >= 0; i--) {
        if (rule.pattern.test(this.lines[i])) return { code: rule.code, message: this.lines[i] };
      }
    }
    return null;
  }

  /** The last lines ffmpeg printed, for a failure nothing above recognises. */
  tail(n = 3): string[] {
    return this.lines.slice(-n);
  }
}
