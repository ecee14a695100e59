/**
 * npm run soak -- [--minutes M] [--cameras N] [--model NAME|PATH] [--json FILE]
 *
 * Runs N cameras through the engine as the app does (CameraSupervisor, one real worker process per
 * camera) for M minutes, each camera fed frames continuously from the test fixtures: a new frame
 * as soon as the previous one is answered. Reports per worker the RSS after warm-up and at the end,
 * RSS growth, throughput at the start and at the end (drift) and restarts; prints a table (stdout)
 * and writes JSON. Progress goes to stderr. See docs/reliability.md.
 *
 * Warm-up is the first 20% of the run, at most 120 s, and growth is measured from its end. With
 * the workers' young generation capped (WORKER_EXEC_ARGV) a worker's RSS is flat from about 30 s;
 * before the cap it stepped up by 10-17 % at random moments in the first minutes. rssTimelineMb
 * in the JSON shows the whole run. Throughput at the start is measured over the window right
 * after the warm-up, at the end over the last window; a window is 10% of the run
 * (at least 1 s, at most 60 s).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage, toModelFrame, type ModelFrame } from '../src/node/images';
import { NodeLauncher } from '../src/engine/node-launcher';
import { projectRoot, resolveModel } from '../src/engine/paths';
import { CameraSupervisor } from '../src/engine/supervisor';
import { findManifestModel } from '../src/shared/models';
import type { CameraStatus } from '../src/shared/contracts/engine-api';
import { cpuSnapshot, otherShare, type CpuSnapshot } from './lib/cpu';
import { soakSummary, type SoakSummary } from './lib/soak-summary';

const USAGE = 'usage: npm run soak -- [--minutes M] [--cameras N] [--model NAME|PATH] [--json FILE]';

interface Sample {
  /** Seconds since the cameras started running. */
  t: number;
  /** Results so far (cumulative). */
  results: number;
  rssBytes: number;
  restarts: number;
  pid: number | null;
  state: CameraStatus['state'];
}

export interface SoakWorkerReport {
  cameraId: string;
  pids: number[];
  state: CameraStatus['state'];
  error?: string;
  results: number;
  restarts: number;
  rssAfterWarmupBytes: number;
  rssEndBytes: number;
  rssPeakBytes: number;
  rssGrowthPercent: number;
  /** RSS over the run, [seconds, MiB], one point every 10 % of the run: shows a step from a trend. */
  rssTimelineMb: Array<[number, number]>;
  throughputStartIps: number;
  throughputEndIps: number;
  throughputDriftPercent: number;
  framesRejected: number;
  messagesRejected: number;
}

export interface SoakReport {
  kind: 'multicam-soak';
  version: 1;
  startedAt: string;
  finishedAt: string;
  interrupted: boolean;
  minutes: number;
  cameras: number;
  model: string;
  warmupSeconds: number;
  windowSeconds: number;
  machine: {
    platform: string;
    arch: string;
    cpu: string;
    cores: number;
    memoryBytes: number;
    node: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
    /** Share of all cores other programs used: over the run, and in the start and end windows (null: unknown). */
    otherProcessesCpu: { run: number | null; start: number | null; end: number | null };
  };
  /** The plain-words first paragraph and its verdicts. */
  summary: SoakSummary;
  supervisor: { rssAfterWarmupBytes: number; rssEndBytes: number; rssGrowthPercent: number };
  workers: SoakWorkerReport[];
  totals: { results: number; restarts: number; throughputStartIps: number; throughputEndIps: number; throughputDriftPercent: number; maxRssGrowthPercent: number };
}

function options() {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      cameras: { type: 'string', default: '4' },
      model: { type: 'string', default: 'face-short' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const minutes = Number(values.minutes);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) throw new Error(`--minutes: expected a positive number, got ${values.minutes}`);
  const cameras = Number(values.cameras);
  if (!Number.isInteger(cameras) || cameras < 1 || cameras > 64) throw new Error(`--cameras: expected a whole number 1..64, got ${values.cameras}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = path.resolve(values.json ?? path.join(os.tmpdir(), `multicam-soak-${stamp}.json`));
  return { minutes, cameras, model: values.model!, json };
}

const percent = (from: number, to: number): number => (from > 0 ? ((to - from) / from) * 100 : 0);
const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const share = (v: number | null): string => (v === null ? '?' : `${Math.round(v * 100)}%`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The sample closest to time t (seconds). */
function at(samples: Sample[], t: number): Sample {
  return samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best), samples[0]);
}

/** Results a second between two sample times. */
function rate(samples: Sample[], from: number, to: number): number {
  const a = at(samples, from);
  const b = at(samples, to);
  return b.t > a.t ? (b.results - a.results) / (b.t - a.t) : 0;
}

type Frame = Omit<ModelFrame, 'data'> & { data: Uint8Array<ArrayBuffer> };

function modelFrames(model: string): Frame[] {
  const resolved = resolveModel(model);
  const entry = findManifestModel(resolved.name);
  if (!entry) throw new Error(`--model: ${model} is not a manifest model; the soak needs its input size`);
  const fixtures = path.join(projectRoot(), 'test', 'fixtures');
  return ['astronaut.png', 'rocket.jpg'].map((f) => {
    const frame = toModelFrame(decodeImage(path.join(fixtures, f)), entry.input.width, entry.input.height);
    return { ...frame, data: new Uint8Array(frame.data) };
  });
}

function printTable(report: SoakReport): void {
  const header = ['camera', 'pid(s)', 'RSS warm MB', 'RSS end MB', 'RSS growth', 'ips start', 'ips end', 'drift', 'restarts', 'state'];
  const rows = report.workers.map((w) => [
    w.cameraId,
    w.pids.join(','),
    mb(w.rssAfterWarmupBytes),
    mb(w.rssEndBytes),
    `${w.rssGrowthPercent.toFixed(1)}%`,
    w.throughputStartIps.toFixed(1),
    w.throughputEndIps.toFixed(1),
    `${w.throughputDriftPercent.toFixed(1)}%`,
    String(w.restarts),
    w.state,
  ]);
  const t = report.totals;
  rows.push(['all', '', '', '', `max ${t.maxRssGrowthPercent.toFixed(1)}%`, t.throughputStartIps.toFixed(1), t.throughputEndIps.toFixed(1), `${t.throughputDriftPercent.toFixed(1)}%`, String(t.restarts), '']);
  rows.push(['supervisor', String(process.pid), mb(report.supervisor.rssAfterWarmupBytes), mb(report.supervisor.rssEndBytes), `${report.supervisor.rssGrowthPercent.toFixed(1)}%`, '', '', '', '', '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const m = report.machine;
  process.stdout.write(
    `${report.summary.text}\n\nDetails\n` +
      `Soak: ${report.cameras} cameras x ${report.minutes} min, model ${report.model}; warm-up ${report.warmupSeconds} s, windows ${report.windowSeconds} s\n` +
      `Machine: ${m.cpu}, ${m.cores} cores, ${mb(m.memoryBytes)} MB, ${m.platform}/${m.arch}, Node ${m.node}; load ${m.loadAverageStart.map((l) => l.toFixed(2)).join(' ')} -> ${m.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')}` +
      `; other programs' CPU: ${share(m.otherProcessesCpu.run)} over the run, ${share(m.otherProcessesCpu.start)} in the start window, ${share(m.otherProcessesCpu.end)} in the end window\n\n` +
      `${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`,
  );
}

async function main(): Promise<void> {
  const opts = options();
  const frames = modelFrames(opts.model);
  const durationS = opts.minutes * 60;
  const warmupS = round(Math.min(120, durationS * 0.2), 1);
  const windowS = round(Math.min(60, Math.max(1, durationS * 0.1)), 1);
  const loadAverageStart = os.loadavg();
  const startedAt = new Date();

  const supervisor = new CameraSupervisor({
    launcher: new NodeLauncher(),
    calibrationFile: null,
    calibrate: false,
    statsIntervalMs: 1000,
  });
  const ids = Array.from({ length: opts.cameras }, (_, i) => `soak-${i + 1}`);
  for (const id of ids) supervisor.addCamera({ id, name: id, source: { kind: 'external' }, model: opts.model });
  process.stderr.write(`soak: starting ${opts.cameras} workers...\n`);
  await Promise.all(ids.map((id) => supervisor.waitForState(id, 'running', 60_000)));

  // Feed every camera continuously: a new frame on every answer (result or drop), and one as soon
  // as a restarted worker is running again.
  const results = new Map(ids.map((id) => [id, 0]));
  const pids = new Map(ids.map((id) => [id, new Set<number>()]));
  const turn = new Map(ids.map((id) => [id, 0]));
  const push = (id: string) => {
    if (!supervisor.status(id)) return;
    const n = turn.get(id)!;
    turn.set(id, n + 1);
    supervisor.pushFrame(id, frames[n % frames.length]);
  };
  supervisor.on('result', (r) => {
    if (!results.has(r.cameraId)) return;
    results.set(r.cameraId, results.get(r.cameraId)! + 1);
    push(r.cameraId);
  });
  supervisor.on('dropped', (d) => results.has(d.cameraId) && push(d.cameraId));
  supervisor.on('change', (s) => s.state === 'running' && results.has(s.id) && push(s.id));

  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    process.stderr.write('\nsoak: interrupted, reporting what was measured\n');
  });

  const samples = new Map<string, Sample[]>(ids.map((id) => [id, []]));
  const supervisorRss: Array<{ t: number; rss: number }> = [];
  const cpu: Array<{ t: number; snap: CpuSnapshot | null }> = [];
  const start = performance.now();
  const elapsed = () => (performance.now() - start) / 1000;
  const sample = () => {
    const t = elapsed();
    for (const id of ids) {
      const s = supervisor.status(id)!;
      if (s.pid) pids.get(id)!.add(s.pid);
      samples.get(id)!.push({ t, results: results.get(id)!, rssBytes: s.rssBytes, restarts: s.restarts, pid: s.pid, state: s.state });
    }
    supervisorRss.push({ t, rss: process.memoryUsage.rss() });
    cpu.push({ t, snap: cpuSnapshot() });
  };
  for (const id of ids) push(id);
  sample();
  let lastProgress = 0;
  while (elapsed() < durationS && !interrupted) {
    await sleep(Math.min(1000, Math.max(10, (durationS - elapsed()) * 1000)));
    sample();
    if (elapsed() - lastProgress >= 30 || elapsed() >= durationS) {
      lastProgress = elapsed();
      const total = [...results.values()].reduce((a, b) => a + b, 0);
      process.stderr.write(`soak: ${elapsed().toFixed(0)} / ${durationS.toFixed(0)} s, ${total} results\n`);
    }
  }
  const endT = elapsed();
  const finalStatus = new Map(ids.map((id) => [id, supervisor.status(id)!]));
  await supervisor.stop();

  const startFrom = Math.min(warmupS, endT);
  const startTo = Math.min(warmupS + windowS, endT);
  const endFrom = Math.max(startFrom, endT - windowS);
  const workers: SoakWorkerReport[] = ids.map((id) => {
    const s = samples.get(id)!;
    const status = finalStatus.get(id)!;
    const warm = at(s, startFrom).rssBytes;
    const end = s[s.length - 1].rssBytes;
    const ipsStart = rate(s, startFrom, startTo);
    const ipsEnd = rate(s, endFrom, endT);
    return {
      cameraId: id,
      pids: [...pids.get(id)!],
      state: status.state,
      ...(status.error ? { error: status.error } : {}),
      results: results.get(id)!,
      restarts: status.restarts,
      rssAfterWarmupBytes: warm,
      rssEndBytes: end,
      rssPeakBytes: Math.max(warm, end, ...s.filter((x) => x.t >= startFrom).map((x) => x.rssBytes)),
      rssGrowthPercent: round(percent(warm, end)),
      rssTimelineMb: Array.from({ length: 11 }, (_, i) => at(s, (endT * i) / 10))
        .filter((x) => x.rssBytes > 0) // before its first stats message a worker has reported no RSS
        .map((x) => [round(x.t), round(x.rssBytes / 2 ** 20)] as [number, number]),
      throughputStartIps: round(ipsStart),
      throughputEndIps: round(ipsEnd),
      throughputDriftPercent: round(percent(ipsStart, ipsEnd)),
      framesRejected: status.framesRejected,
      messagesRejected: status.messagesRejected,
    };
  });
  const sum = (f: (w: SoakWorkerReport) => number) => workers.reduce((n, w) => n + f(w), 0);
  const cpuAt = (t: number) => cpu.reduce((best, x) => (Math.abs(x.t - t) < Math.abs(best.t - t) ? x : best), cpu[0]).snap;
  const cores = os.availableParallelism();
  const otherProcessesCpu = {
    run: otherShare(cpu[0].snap, cpu[cpu.length - 1].snap, cores),
    start: otherShare(cpuAt(startFrom), cpuAt(startTo), cores),
    end: otherShare(cpuAt(endFrom), cpuAt(endT), cores),
  };
  const startIps = sum((w) => w.throughputStartIps);
  const endIps = sum((w) => w.throughputEndIps);
  const supWarm = supervisorRss.reduce((best, x) => (Math.abs(x.t - startFrom) < Math.abs(best.t - startFrom) ? x : best), supervisorRss[0]).rss;
  const supEnd = supervisorRss[supervisorRss.length - 1].rss;
  const report: SoakReport = {
    kind: 'multicam-soak',
    version: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    interrupted,
    minutes: opts.minutes,
    cameras: opts.cameras,
    model: opts.model,
    warmupSeconds: warmupS,
    windowSeconds: windowS,
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores,
      memoryBytes: os.totalmem(),
      node: process.versions.node,
      loadAverageStart,
      loadAverageEnd: os.loadavg(),
      otherProcessesCpu,
    },
    summary: soakSummary({
      cameras: opts.cameras,
      minutes: opts.minutes,
      model: opts.model,
      cores,
      results: sum((w) => w.results),
      restarts: sum((w) => w.restarts),
      notRunning: workers.filter((w) => w.state !== 'running').map((w) => `${w.cameraId} (${w.state})`),
      warmupSeconds: warmupS,
      rssAfterWarmupMb: workers.map((w) => w.rssAfterWarmupBytes / 2 ** 20),
      rssGrowthPercent: workers.map((w) => w.rssGrowthPercent),
      throughputStartIps: startIps,
      throughputEndIps: endIps,
      driftPercent: round(percent(startIps, endIps)),
      otherCpuStart: otherProcessesCpu.start,
      otherCpuEnd: otherProcessesCpu.end,
      otherCpuRun: otherProcessesCpu.run,
      loadAverageStart: loadAverageStart[0],
    }),
    supervisor: { rssAfterWarmupBytes: supWarm, rssEndBytes: supEnd, rssGrowthPercent: round(percent(supWarm, supEnd)) },
    workers,
    totals: {
      results: sum((w) => w.results),
      restarts: sum((w) => w.restarts),
      throughputStartIps: round(startIps),
      throughputEndIps: round(endIps),
      throughputDriftPercent: round(percent(startIps, endIps)),
      maxRssGrowthPercent: round(Math.max(...workers.map((w) => w.rssGrowthPercent))),
    },
  };
  writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
  printTable(report);
  process.stdout.write(`\nJSON: ${opts.json}\n`);
  // A camera that ended in error is a failed soak; restarts are reported, not fatal.
  if (workers.some((w) => w.state !== 'running')) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`soak: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
});
