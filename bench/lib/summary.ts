/**
 * The bench's first paragraph, in plain words: what was measured, what it means for how many
 * cameras this machine can run at what frame rate, and a warning when other programs were using
 * the CPU. The figures behind it follow in the table.
 */
import type { ResultRow } from './types';

export interface BenchSummary {
  /** The paragraph, as printed. */
  text: string;
  /** Other programs used enough CPU during the run that the figures are lower and less certain. */
  busy: boolean;
  /** The app's own way (process-per-camera) at its largest measured N, when it ran. */
  app: { streams: number; ips: number; ratio_to_limit: number } | null;
  /** Cameras the app's measured rate would serve at each frame rate, before video decoding. */
  cameras_at_fps: Array<{ fps: number; cameras: number }>;
}

export interface SummaryInput {
  modelName: string;
  modelInput: string;
  cores: number;
  cpu: string;
  seconds: number;
  streams: number[];
  limitIps: number;
  linearIps: number;
  results: ResultRow[];
  loadAverageBefore: number;
  /** Share of all cores other programs used during the run (null: unknown). */
  otherCpuShare: number | null;
}

const FPS = [30, 15, 5];
/** Other programs using more than this share of the machine make the figures unreliable. */
export const BUSY_SHARE = 0.1;

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const pct = (v: number) => `${Math.round(v * 100)} %`;

export function busyMachine(loadAverageBefore: number, otherCpuShare: number | null, cores: number): boolean {
  return otherCpuShare !== null ? otherCpuShare > BUSY_SHARE : loadAverageBefore > cores / 2;
}

export function summarize(s: SummaryInput): BenchSummary {
  const lines: string[] = [];
  const busy = busyMachine(s.loadAverageBefore, s.otherCpuShare, s.cores);
  let warning = '';
  if (busy) {
    const what = s.otherCpuShare !== null ? `other programs used ${pct(s.otherCpuShare)} of the CPU while it ran` : `the load average was ${s.loadAverageBefore.toFixed(1)} on ${s.cores} cores when it started`;
    warning = `WARNING: the machine was busy (${what}). Every figure below is lower than this machine can do, and the comparisons are less certain. Run it again when the machine is idle.`;
  }
  const strategies = new Set(s.results.map((r) => r.strategy)).size;
  lines.push(
    `Measured: how many ${s.modelName} detections (${s.modelInput} frames) a second this machine (${s.cpu}, ${s.cores} cores) runs, ` +
      `${strategies} ways, with ${listStreams(s.streams)} camera streams each sending a frame as soon as its last one is answered, ${s.seconds} s each.`,
  );
  lines.push(
    `The cores, each running nothing but the model, do ${n0(s.limitIps)} a second together` +
      (s.linearIps > s.limitIps * 1.02 ? ` (${pct(1 - s.limitIps / s.linearIps)} less than one core alone times ${s.cores}: cores running at once share caches and memory)` : '') +
      `. That is this machine's limit; "x limit" below is against it.`,
  );

  const app = s.results.filter((r) => r.strategy === 'process-per-camera').sort((a, b) => a.streams - b.streams);
  let appSummary: BenchSummary['app'] = null;
  let cameras: BenchSummary['cameras_at_fps'] = [];
  if (app.length > 0) {
    const atCores = app.find((r) => r.streams === s.cores);
    const largest = app[app.length - 1];
    appSummary = { streams: largest.streams, ips: largest.ips, ratio_to_limit: largest.ratio_to_limit };
    cameras = FPS.map((fps) => ({ fps, cameras: Math.floor(largest.ips / fps) }));
    const head = atCores
      ? `The app's way (one process per camera) did ${n0(atCores.ips)} a second with ${s.cores} cameras, ${atCores.ratio_to_limit.toFixed(2)} of the limit`
      : `The app's way (one process per camera) did ${n0(largest.ips)} a second with ${largest.streams} camera${largest.streams > 1 ? 's' : ''}`;
    lines.push(
      `${head}${atCores && atCores !== largest ? `, and ${n0(largest.ips)} with ${largest.streams}` : ''}. ` +
        `A camera at 30 frames a second needs 30 detections a second, so that rate serves about ` +
        cameras.map((c) => `${n0(c.cameras)} camera${c.cameras === 1 ? '' : 's'} at ${c.fps} fps`).join(', ') +
        `, before decoding the video, which takes CPU too` +
        (largest.streams < cameras[cameras.length - 1].cameras ? `; more than ${largest.streams} cameras were not measured` : '') +
        '.',
    );
    const seedPool = s.results.find((r) => r.strategy === 'seed-python' && r.variant === 'pool' && r.streams === (atCores?.streams ?? largest.streams));
    const mine = atCores ?? largest;
    if (seedPool && seedPool.ips > 0) {
      lines.push(`The seed's Python pool (one TF Lite interpreter per thread) did ${n0(seedPool.ips)} a second at the same number of cameras: the app's way is ${(mine.ips / seedPool.ips).toFixed(2)}x that.`);
    }
  } else {
    lines.push(`The app's own way (one process per camera) was not part of this run.`);
  }
  const wrong = s.results.reduce((a, r) => a + r.misattributed, 0);
  lines.push(wrong === 0 ? 'Every answer went back to the camera that sent the frame.' : `${wrong} answer(s) went back to the wrong camera: see the "wrong" column.`);
  const text = [warning, lines.join(' ')].filter(Boolean).map((p) => wrap(p)).join('\n\n');
  return { text, busy, app: appSummary, cameras_at_fps: cameras };
}

function listStreams(ns: number[]): string {
  if (ns.length === 1) return String(ns[0]);
  return `${ns.slice(0, -1).join(', ')} and ${ns[ns.length - 1]}`;
}

/** Wraps each paragraph at 100 columns. */
export function wrap(text: string, width = 100): string {
  return text
    .split('\n')
    .map((para) => {
      const out: string[] = [];
      let line = '';
      for (const word of para.trim().split(/\s+/)) {
        if (line && line.length + 1 + word.length > width) {
          out.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      out.push(line);
      return out.join('\n');
    })
    .join('\n');
}
