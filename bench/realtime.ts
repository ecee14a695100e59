/**
 * npm run bench:realtime -- [--cameras 1,2,4,8] [--models face-short,objects] [--modes always,motion]
 *                           [--seconds S] [--detect-fps F] [--json FILE]
 *
 * What a camera costs at real time: serve mode with N engine-side cameras playing a 1280x720
 * 15 fps H.264 scene made at run time, nobody watching, against the floor measured in the same run
 * (N bare ffmpegs doing the camera's decode and scaling, plus the bare inference time of the frames
 * the cameras inferred). Table and plain words on stdout, JSON to a file, progress on stderr.
 * See docs/bench.md, "Real-time cost".
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot, resolveModel, xnnpackPluginPath } from '../src/engine/paths';
import { resolveFfmpeg } from '../src/node/ffmpeg-binary';
import { CameraConfig } from '../src/shared/contracts/config';
import { OtherLoadMeter } from './lib/cpu';
import { Progress } from './lib/progress';
import { bareInferenceCpuMs, measureBareDecode } from './lib/realtime-floor';
import { keepsRealtime, RealtimeJson, realtimeSummary, realtimeTable, saturationOf, type RealtimeRow } from './lib/realtime-report';
import { measureServePoint, type DetectMode } from './lib/realtime-serve';
import { DEFAULT_SCENE, makeSceneClip } from './lib/scene-clip';

const USAGE = `usage: npm run bench:realtime -- [--cameras 1,2,4,8] [--models face-short,objects] [--modes always,motion] [--seconds S] [--detect-fps F] [--json FILE]`;

function list(value: string, what: string): string[] {
  const out = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (out.length === 0) throw new Error(`--${what}: empty`);
  return [...new Set(out)];
}

function options() {
  const { values } = parseArgs({
    options: {
      cameras: { type: 'string', default: '1,2,4,8' },
      models: { type: 'string', default: 'face-short,objects' },
      modes: { type: 'string', default: 'always,motion' },
      seconds: { type: 'string', default: '20' },
      'detect-fps': { type: 'string', default: '5' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const cameras = list(values.cameras!, 'cameras').map(Number);
  if (cameras.some((n) => !Number.isInteger(n) || n < 1 || n > 32)) throw new Error(`--cameras: expected whole numbers 1..32, got ${values.cameras}`);
  const modes = list(values.modes!, 'modes');
  for (const m of modes) if (m !== 'always' && m !== 'motion') throw new Error(`--modes: always or motion, not ${m}`);
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new Error(`--seconds: expected a number of seconds up to 600, got ${values.seconds}`);
  const detectFps = Number(values['detect-fps']);
  if (!Number.isFinite(detectFps) || detectFps <= 0 || detectFps > DEFAULT_SCENE.fps) throw new Error(`--detect-fps: expected a rate above 0 and up to the clip's ${DEFAULT_SCENE.fps}, got ${values['detect-fps']}`);
  return {
    cameras: cameras.sort((a, b) => a - b),
    models: list(values.models!, 'models'),
    modes: modes as DetectMode[],
    seconds,
    detectFps,
    json: path.resolve(values.json ?? path.join(projectRoot(), 'bench', 'results', 'realtime-latest.json')),
  };
}

async function main(): Promise<void> {
  const opts = options();
  const cores = os.availableParallelism();
  const progress = new Progress();
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const otherLoad = new OtherLoadMeter().start();
  const ffmpegPath = resolveFfmpeg().path;
  const delegatePath = xnnpackPluginPath();
  // Long enough for serve mode's own start-up work and, in mode motion, the background's calibration.
  const warmupSeconds = Math.min(5, Math.max(2, opts.seconds * 0.25));
  const record = 'record' in CameraConfig.shape ? ({ mode: 'events' } as const) : null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-realtime-'));
  try {
    progress.set(`making the ${DEFAULT_SCENE.width}x${DEFAULT_SCENE.height} ${DEFAULT_SCENE.fps} fps scene`);
    const clip = makeSceneClip(ffmpegPath, dir);
    const models: RealtimeJson['models'] = [];
    const floors: RealtimeJson['floors'] = [];
    const results: RealtimeRow[] = [];
    const saturation: RealtimeJson['saturation'] = [];
    const skipped: RealtimeJson['skipped'] = [];
    for (const name of opts.models) {
      const resolved = resolveModel(name);
      progress.set(`${name}: timing bare inferences`);
      const bare = bareInferenceCpuMs(resolved, delegatePath);
      models.push({ name, input: `${bare.inputWidth}x${bare.inputHeight}`, bare_inference_cpu_ms: bare.cpuMs });
      progress.log(`${name}: one bare inference ${bare.cpuMs.toFixed(2)} ms of CPU`);
      const byMode = new Map<DetectMode, RealtimeRow[]>(opts.modes.map((m) => [m, []]));
      const saturated = new Set<DetectMode>();
      for (const n of opts.cameras) {
        const modes = opts.modes.filter((m) => !saturated.has(m));
        if (modes.length === 0) break;
        progress.set(`${name} N=${n}: ${n} bare ffmpeg decode${n > 1 ? 's' : ''}`);
        const decode = await measureBareDecode({ ffmpegPath, clip, processes: n, width: bare.inputWidth, height: bare.inputHeight, detectFps: opts.detectFps, warmupSeconds, seconds: opts.seconds });
        floors.push({ model: name, cameras: n, decode_cores: decode.cores, decode_fps: decode.fps });
        for (const mode of modes) {
          try {
            const p = await measureServePoint({ dir, clip, cameras: n, model: name, mode, detectFps: opts.detectFps, warmupSeconds, seconds: opts.seconds, record, ffmpegPath }, (t) => progress.set(t));
            const inferenceCores = (p.inferences * bare.cpuMs) / 1000 / p.wall_seconds;
            const floor = decode.cores + inferenceCores;
            const row: RealtimeRow = {
              model: name,
              mode,
              cameras: n,
              cores: p.cores,
              cores_per_camera: p.cores / n,
              by_process: p.by_process,
              floor: { decode_cores: decode.cores, inference_cores: inferenceCores, cores: floor },
              ratio_to_floor: floor > 0 ? p.cores / floor : 0,
              inferences: p.inferences,
              frames: p.frames,
              inferred_share: p.frames > 0 ? p.inferences / p.frames : 0,
              frames_per_second_per_camera: p.frames_per_second_per_camera,
              realtime: keepsRealtime(p.frames_per_second_per_camera, opts.detectFps, p.cores, cores),
              skipped_no_motion: p.skipped_no_motion,
              events: p.events,
              recorded_files: p.recorded_files,
              threads: p.threads,
              restarts: p.restarts,
              processes: p.processes,
              wall_seconds: p.wall_seconds,
            };
            results.push(row);
            byMode.get(mode)!.push(row);
            if (!row.realtime) saturated.add(mode);
            progress.log(`${name} ${mode.padEnd(6)} N=${n}: ${row.cores.toFixed(2)} cores (${row.cores_per_camera.toFixed(3)} a camera), ${row.ratio_to_floor.toFixed(2)}× the floor, ${Math.round(row.inferred_share * 100)} % inferred, ${row.frames_per_second_per_camera.toFixed(1)} fps a camera`);
          } catch (err) {
            skipped.push({ what: `${name} ${mode} N=${n}`, reason: err instanceof Error ? err.message : String(err) });
            progress.log(`${name} ${mode} N=${n} failed: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
      for (const mode of opts.modes) {
        const rows = byMode.get(mode)!;
        if (rows.length > 0) saturation.push({ model: name, mode, ...saturationOf(rows, opts.cameras, cores) });
      }
    }
    progress.done();
    const draft = {
      kind: 'realtime' as const,
      machine: { cores, cpu: os.cpus()[0]?.model?.trim() || 'unknown', load_average_before: loadBefore, load_average_after: os.loadavg(), other_processes_cpu: otherLoad.stop(cores) },
      run: {
        started_at: startedAt.toISOString(),
        seconds: opts.seconds,
        warmup_seconds: warmupSeconds,
        detect_fps: opts.detectFps,
        clip: { width: DEFAULT_SCENE.width, height: DEFAULT_SCENE.height, fps: DEFAULT_SCENE.fps, seconds: DEFAULT_SCENE.seconds, pass_seconds: DEFAULT_SCENE.passSeconds },
        record: record?.mode ?? null,
      },
      models,
      floors,
      results,
      saturation,
      skipped,
    };
    const json = RealtimeJson.parse({ ...draft, summary: realtimeSummary(draft) });
    mkdirSync(path.dirname(opts.json), { recursive: true });
    writeFileSync(opts.json, JSON.stringify(json, null, 2) + '\n');
    process.stdout.write(`${json.summary.text}\n\n${realtimeTable(json)}\n\nwrote ${path.relative(process.cwd(), opts.json)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`\nbench:realtime failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n${USAGE}\n`);
    process.exit(1);
  },
);
