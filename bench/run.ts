/**
 * npm run bench -- [--seconds S] [--streams 1,2,4,8] [--model NAME|PATH] [--json FILE] [--svg FILE] [--strategies a,b]
 *
 * Measures how many inferences a second this machine gets out of the model with each way of
 * running interpreters, against the machine's ceiling (one thread's raw invoke rate x cores).
 * Writes a table (stdout), JSON and an SVG chart; progress goes to stderr. See docs/bench.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot, resolveModel, xnnpackPluginPath } from '../src/engine/paths';
import { CAPACITY_FILE_NAME, writeCapacityFile } from '../src/engine/capacity';
import { userDataFolder } from '../src/engine/config/location';
import { findManifestModel } from '../src/shared/models';
import { Detector } from '../src/workers/detector';
import { interleavingDemo } from './lib/correctness';
import { OtherLoadMeter } from './lib/cpu';
import { Attribution, makeStreamFrames, topFace, type Expected } from './lib/frames';
import { buildOverhead, measurePieces, overheadRow, type OverheadReport, type PieceTimes } from './lib/overhead';
import { Progress } from './lib/progress';
import { chart, explainRow, seriesName, table } from './lib/report';
import { BenchJsonSchema, type BenchJson } from './lib/schema';
import { summarize } from './lib/summary';
import { STRATEGIES, type BenchContext, type ModelRef, type ResultRow, type RowDraft, type StrategyName } from './lib/types';
import { browserUnavailable, runBrowser } from './strategies/browser';
import { measureLimit } from './strategies/limit';
import { measureMessageCeiling, type MessageCeiling } from './lib/ceiling';
import { encodeFrame } from '../src/shared/contracts/frames';
import { runSharedLock, runThreadPoolIsolated, sharedLockThreadCounts } from './strategies/local';
import { runProcess, type ProcessStrategy } from './strategies/process';
import { runSeedPython, seedPythonUnavailable } from './strategies/seed-python';
import { combinedLimit, FfmpegBench, type DecodeLimit } from './strategies/ffmpeg';

const USAGE = `usage: npm run bench -- [--seconds S] [--streams 1,2,4,8] [--model NAME|PATH] [--json FILE] [--svg FILE] [--strategies ${STRATEGIES.join(',')}] [--in-flight 1|2] [--config-dir DIR]

  --config-dir DIR  the app's configuration folder, where the measured ceiling goes as capacity.json
                    for the app's capacity line (default ${userDataFolder()}, the folder of the
                    default configuration; serve mode with --config FILE reads FILE's folder)`;

function parseList(value: string, what: string): number[] {
  const out = value.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new Error(`--${what}: expected whole numbers 1..64, got ${value}`);
  return out;
}

function options() {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' },
      streams: { type: 'string' },
      model: { type: 'string', default: 'face-short' },
      json: { type: 'string' },
      svg: { type: 'string' },
      strategies: { type: 'string' },
      'in-flight': { type: 'string', default: '1' },
      'config-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const cores = os.availableParallelism();
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new Error(`--seconds: expected a number of seconds, got ${values.seconds}`);
  const streams = values.streams ? parseList(values.streams, 'streams') : [1, 2, cores, 2 * cores, 8];
  const strategies = (values.strategies ? values.strategies.split(',').map((s) => s.trim()) : [...STRATEGIES]) as StrategyName[];
  for (const s of strategies) if (!STRATEGIES.includes(s)) throw new Error(`--strategies: unknown strategy ${s} (known: ${STRATEGIES.join(', ')})`);
  const inFlight = Number(values['in-flight']);
  if (!Number.isInteger(inFlight) || inFlight < 1 || inFlight > 8) throw new Error(`--in-flight: expected a whole number 1..8, got ${values['in-flight']}`);
  const results = path.join(projectRoot(), 'bench', 'results');
  return {
    cores,
    seconds,
    inFlight,
    streams: [...new Set(streams)].sort((a, b) => a - b),
    model: values.model!,
    strategies: STRATEGIES.filter((s) => strategies.includes(s)),
    json: path.resolve(values.json ?? path.join(results, 'latest.json')),
    capacityFile: path.join(path.resolve(values['config-dir'] ?? userDataFolder()), CAPACITY_FILE_NAME),
    svg: path.resolve(values.svg ?? (values.json ? values.json.replace(/\.json$/i, '') + '.svg' : path.join(results, 'latest.svg'))),
  };
}

async function main(): Promise<void> {
  const opts = options();
  const progress = new Progress();
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const otherLoad = new OtherLoadMeter().start();
  const delegatePath = xnnpackPluginPath();
  const resolved = resolveModel(opts.model);
  const manifest = findManifestModel(resolved.name);

  // Reference answers: one interpreter, nothing shared, each stream's frame run alone.
  progress.set('loading the model and computing each stream\'s expected answer');
  const reference = new Detector({ modelPath: resolved.path, modelName: resolved.name, threads: 1, delegate: 'xnnpack', delegatePath });
  const model: ModelRef = { name: resolved.name, path: resolved.path, inputWidth: reference.inputWidth, inputHeight: reference.inputHeight, known: !!manifest };
  // At least two streams' frames: the interleaving demo runs two callers whatever --streams says.
  const maxStreams = Math.max(2, ...opts.streams);
  const frames = makeStreamFrames(path.join(projectRoot(), 'test', 'fixtures', 'astronaut.png'), model.inputWidth, model.inputHeight, maxStreams);
  const expected: Array<Expected | null> = frames.map((f) => topFace(reference.run(f.data, f.letterbox).detections));
  if (manifest && expected.some((e) => e === null)) process.stderr.write('warning: the model finds no face in some stream frames; attribution is weaker\n');
  const attribution = new Attribution(expected);

  const limit = await measureLimit(model, delegatePath, opts.cores, Math.min(5000, Math.max(500, opts.seconds * 1000)), (t) => progress.set(t));
  if (limit.delegate !== 'xnnpack') process.stderr.write('warning: XNNPACK is not available (npm install builds it); the limit is without a delegate\n');

  const ctx: BenchContext = {
    cores: opts.cores,
    model,
    delegatePath,
    frames,
    attribution,
    calibration: limit.points,
    seconds: opts.seconds,
    warmupSeconds: Math.min(1, Math.max(0.2, opts.seconds * 0.3)),
    inFlight: opts.inFlight,
    progress: (t) => progress.set(t),
  };

  progress.set('correctness: async callers on one interpreter');
  const interleaving = await interleavingDemo(model, delegatePath, frames, attribution);

  // Before any strategy: tfjs-tflite-node aborts the process when this (main) thread creates an
  // interpreter after worker threads have loaded the addon (see docs/bench.md, thread-pool).
  let pieces: PieceTimes | null = null;
  const ceiling: MessageCeiling[] = [];
  if (opts.strategies.includes('process-per-camera')) {
    progress.set('timing the per-frame pieces outside infer()');
    pieces = await measurePieces(model, delegatePath, frames[0]);
    progress.set('the message ceiling: processes that only wait one inference and exchange the two messages');
    const f = frames[0];
    const sample = { cameraId: 'bench-0', frameId: 1, width: f.width, height: f.height, sourceWidth: f.width, sourceHeight: f.height };
    for (const inFlight of [1, 2]) {
      ceiling.push(
        await measureMessageCeiling({
          limitIps: limit.ips,
          cores: opts.cores,
          frame: encodeFrame({ type: 'frame', ...sample, data: f.data, letterbox: f.letterbox, acceptedAt: Date.now() }),
          result: { type: 'result', ...sample, detections: reference.run(f.data, f.letterbox).detections, inferMs: 1, endToEndMs: 1 },
          seconds: opts.seconds,
          warmupSeconds: ctx.warmupSeconds,
          inFlight,
        }),
      );
    }
  }

  const drafts: RowDraft[] = [];
  const skipped: BenchJson['skipped'] = [];
  const overheadRuns: OverheadReport['runs'] = [];
  const onRow = (r: RowDraft) => {
    drafts.push(r);
    progress.log(`${seriesName(r).padEnd(26)} N=${String(r.streams).padEnd(3)} threads=${r.threads}  ${r.ips.toFixed(0).padStart(6)} ips  p50 ${r.p50_ms.toFixed(2)} ms  misattributed ${r.misattributed}`);
  };

  let decode: DecodeLimit | null = null;
  for (const strategy of opts.strategies) {
    try {
      if (strategy === 'process-per-camera-ffmpeg') {
        const bench = new FfmpegBench();
        try {
          decode = await bench.measureDecode(ctx, opts.cores);
          progress.log(`ffmpeg decode-only: ${decode.fps.toFixed(0)} frames/s with ${decode.processes} concurrent decodes`);
          for (const n of opts.streams) await bench.run(ctx, n, onRow);
        } finally {
          bench.dispose();
        }
        continue;
      }
      if (strategy === 'shared-lock') {
        for (const threads of sharedLockThreadCounts(ctx)) await runSharedLock(ctx, opts.streams, threads, onRow);
      } else if (strategy === 'thread-pool') {
        for (const n of opts.streams) await runThreadPoolIsolated(ctx, n, onRow);
      } else if (strategy === 'browser-wasm') {
        const why = await browserUnavailable(ctx);
        if (why) {
          skipped.push({ strategy, reason: why });
          progress.log(`browser-wasm skipped: ${why}`);
        } else {
          await runBrowser(ctx, opts.streams, onRow);
        }
      } else if (strategy === 'seed-python') {
        const why = seedPythonUnavailable(ctx);
        if (why) {
          skipped.push({ strategy, reason: why });
          progress.log(`seed-python skipped: ${why}`);
        } else {
          await runSeedPython(ctx, opts.streams, onRow);
        }
      } else {
        for (const n of opts.streams) {
          const r = await runProcess(ctx, strategy as ProcessStrategy, n, onRow);
          if (strategy === 'process-per-camera') overheadRuns.push(overheadRow(n, r));
        }
      }
    } catch (err) {
      const reason = `failed: ${err instanceof Error ? err.message : String(err)}`;
      skipped.push({ strategy, reason });
      progress.log(`${strategy} ${reason}`);
    }
  }

  let overhead: BenchJson['overhead'] = { skipped: 'process-per-camera was not run' };
  if (pieces) overhead = buildOverhead(pieces, overheadRuns, ceiling, opts.inFlight);
  progress.done();

  const ffmpegIps = decode ? combinedLimit(decode.fps, limit.ips) : undefined;
  const rowLimit = (d: RowDraft) => (d.strategy === 'process-per-camera-ffmpeg' && ffmpegIps ? ffmpegIps : limit.ips);
  const results: ResultRow[] = drafts.map((d) => explainRow({ ...d, ratio_to_limit: d.ips / rowLimit(d) }, opts.cores, opts.seconds));
  const otherCpu = otherLoad.stop(opts.cores);
  const cpuModel = os.cpus()[0]?.model?.trim() || 'unknown';
  const modelInput = `${model.inputWidth}x${model.inputHeight}`;
  const json: BenchJson = BenchJsonSchema.parse({
    machine: {
      cores: opts.cores,
      cpu: cpuModel,
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    },
    run: {
      started_at: startedAt.toISOString(),
      seconds: opts.seconds,
      warmup_seconds: ctx.warmupSeconds,
      in_flight: opts.inFlight,
      streams: opts.streams,
      strategies: opts.strategies,
      model: { name: model.name, path: path.relative(projectRoot(), model.path), input: modelInput },
      load_average_before: loadBefore,
      load_average_after: os.loadavg(),
      other_processes_cpu: otherCpu,
      min_stream_separation: Number.isFinite(attribution.minSeparation()) ? attribution.minSeparation() : 0,
    },
    limit: {
      ips: limit.ips,
      linear_ips: limit.linearIps,
      single_thread_ips: limit.singleThreadIps,
      concurrent: limit.concurrent,
      delegate: limit.delegate,
      by_threads: limit.points,
      ffmpeg_ips: ffmpegIps,
      ffmpeg_decode_fps: decode?.fps,
    },
    results,
    summary: summarize({
      modelName: model.name,
      modelInput,
      cores: opts.cores,
      cpu: cpuModel,
      seconds: opts.seconds,
      streams: opts.streams,
      limitIps: limit.ips,
      linearIps: limit.linearIps,
      results,
      loadAverageBefore: loadBefore[0],
      otherCpuShare: otherCpu,
    }),
    skipped,
    correctness: { misattributed_total: results.reduce((a, r) => a + r.misattributed, 0), interleaving },
    overhead,
  });

  mkdirSync(path.dirname(opts.json), { recursive: true });
  writeFileSync(opts.json, JSON.stringify(json, null, 2) + '\n');
  mkdirSync(path.dirname(opts.svg), { recursive: true });
  writeFileSync(opts.svg, chart(json));
  // The app's capacity line reads the ceiling from its configuration folder, never from bench/.
  writeCapacityFile(opts.capacityFile, { cores: opts.cores, ips: limit.ips, model: model.name, measuredAt: startedAt.toISOString() });
  process.stdout.write(`${table(json)}\n\nwrote ${path.relative(process.cwd(), opts.json)} and ${path.relative(process.cwd(), opts.svg)}; the ceiling for the app in ${opts.capacityFile}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`\nbench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n${USAGE}\n`);
    process.exit(1);
  },
);
