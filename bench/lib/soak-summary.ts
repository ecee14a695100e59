/**
 * The soak's first paragraph, in plain words: what ran, whether memory and throughput held, and
 * a verdict on the drift that takes the other programs' CPU use into account.
 */
import { BUSY_SHARE, wrap } from './summary';

export interface SoakSummaryInput {
  cameras: number;
  minutes: number;
  model: string;
  cores: number;
  results: number;
  restarts: number;
  notRunning: string[];
  warmupSeconds: number;
  rssAfterWarmupMb: number[];
  rssGrowthPercent: number[];
  throughputStartIps: number;
  throughputEndIps: number;
  driftPercent: number;
  /** Share of all cores other programs used in the start and end windows, and over the run. */
  otherCpuStart: number | null;
  otherCpuEnd: number | null;
  otherCpuRun: number | null;
  loadAverageStart: number;
}

export interface SoakSummary {
  text: string;
  busy: boolean;
  drift: 'steady' | 'other-programs' | 'slower' | 'faster';
  memory: 'flat' | 'grew';
}

/** Drift within this many percent is run-to-run noise on a quiet machine (docs/reliability.md). */
const STEADY_DRIFT = 10;
const RSS_GROWTH = 10;

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const pct = (v: number | null) => (v === null ? '?' : `${Math.round(v * 100)} %`);

export function soakSummary(s: SoakSummaryInput): SoakSummary {
  const busy = s.otherCpuRun !== null ? s.otherCpuRun > BUSY_SHARE : s.loadAverageStart > s.cores / 2;
  const paras: string[] = [];
  if (busy) {
    paras.push(
      `WARNING: the machine was busy (${s.otherCpuRun !== null ? `other programs used ${pct(s.otherCpuRun)} of the CPU during the run` : `load average ${s.loadAverageStart.toFixed(1)} on ${s.cores} cores at the start`}): ` +
        'throughput figures are lower than this machine can do, and a change in the other programs\' load shows up as drift. Run it again when the machine is idle.',
    );
  }
  const out: string[] = [];
  out.push(
    `Measured: ${s.cameras} camera${s.cameras > 1 ? 's' : ''} (${s.model}) ran flat out for ${s.minutes} min through the engine as the app runs them, one process each: ` +
      `${n0(s.results)} detections, ${s.restarts === 0 ? 'no restarts' : `${s.restarts} restart(s)`}` +
      `${s.notRunning.length > 0 ? `; NOT running at the end: ${s.notRunning.join(', ')}` : ''}.`,
  );
  const lo = Math.min(...s.rssAfterWarmupMb);
  const hi = Math.max(...s.rssAfterWarmupMb);
  const growth = Math.max(...s.rssGrowthPercent);
  const memory: SoakSummary['memory'] = growth > RSS_GROWTH ? 'grew' : 'flat';
  out.push(
    `Memory: each camera's process used ${lo === hi ? `${lo.toFixed(0)}` : `${lo.toFixed(0)} to ${hi.toFixed(0)}`} MiB after ${s.warmupSeconds} s of warm-up and changed by at most ${growth.toFixed(1)} % to the end: ` +
      (memory === 'flat' ? 'no sign of a leak.' : `it grew; run longer to see whether it keeps growing.`),
  );
  const d = s.driftPercent;
  let drift: SoakSummary['drift'];
  let verdict: string;
  const changed = s.otherCpuStart !== null && s.otherCpuEnd !== null ? s.otherCpuEnd - s.otherCpuStart : null;
  if (Math.abs(d) <= STEADY_DRIFT) {
    drift = 'steady';
    verdict = 'steady: within the run-to-run noise.';
  } else if (changed !== null && Math.abs(changed) >= 0.05 && Math.sign(changed) === -Math.sign(d)) {
    drift = 'other-programs';
    verdict =
      `most likely not the app's doing: other programs used ${pct(s.otherCpuStart)} of the CPU in the start window and ${pct(s.otherCpuEnd)} in the end window, ` +
      `and the app's rate moved the other way.`;
  } else if (d < 0) {
    drift = 'slower';
    verdict = busy ? 'slower at the end, on a busy machine: run it again on an idle one to tell whether the app slows down.' : 'slower at the end with the machine otherwise idle: the app slows down over time; worth investigating.';
  } else {
    drift = 'faster';
    verdict = 'faster at the end than at the start (the start window still held warm-up or other programs\' load).';
  }
  out.push(`Throughput: ${n0(s.throughputStartIps)} detections a second after warm-up, ${n0(s.throughputEndIps)} at the end (${d >= 0 ? '+' : ''}${d.toFixed(1)} %): ${verdict}`);
  if (s.throughputEndIps > 0) {
    out.push(`At that rate this machine serves about ${n0(Math.floor(s.throughputEndIps / 30))} cameras at 30 fps or ${n0(Math.floor(s.throughputEndIps / 5))} at 5 fps, before decoding video.`);
  }
  paras.push(out.join(' '));
  return { text: paras.map((p) => wrap(p)).join('\n\n'), busy, drift, memory };
}
