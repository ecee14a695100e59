/**
 * The real-time bench's JSON (validated before it is written), how its figures are derived from
 * the measurements (floor, ratio, saturation, cameras per machine), its table and its plain words.
 */
import { z } from 'zod';

export const REALTIME_SHARE = 0.9;

const Mode = z.enum(['always', 'motion']);

export const RealtimeRow = z.object({
  model: z.string(),
  mode: Mode,
  cameras: z.number().int().positive(),
  /** CPU of serve mode's whole process tree, in cores; and per camera. */
  cores: z.number().nonnegative(),
  cores_per_camera: z.number().nonnegative(),
  /** The tree's cores by kind of process: serve mode itself, the camera workers (Node), their ffmpegs. */
  by_process: z.object({ serve: z.number().nonnegative(), workers: z.number().nonnegative(), ffmpeg: z.number().nonnegative() }),
  /** The floor: N bare ffmpegs' decoding + the inferences run × one bare inference's CPU, in cores. */
  floor: z.object({ decode_cores: z.number().nonnegative(), inference_cores: z.number().nonnegative(), cores: z.number().nonnegative() }),
  ratio_to_floor: z.number().nonnegative(),
  inferences: z.number().int().nonnegative(),
  /** Frames the cameras took from ffmpeg (at detect.fps) in the window. */
  frames: z.number().int().nonnegative(),
  /** inferences / frames: 1 in mode always, the gate's share in mode motion. */
  inferred_share: z.number().nonnegative(),
  frames_per_second_per_camera: z.number().nonnegative(),
  /** Every camera took at least 90 % of detect.fps and the tree used under 90 % of the cores. */
  realtime: z.boolean(),
  skipped_no_motion: z.number().int().nonnegative(),
  /** Events in serve mode's store at the end (warm-up included). */
  events: z.number().int().nonnegative(),
  /** Recording segment files under serve mode's data folder at the end (record: events keeps the event's ones). */
  recorded_files: z.number().int().nonnegative(),
  threads: z.array(z.number().int()),
  restarts: z.number().int().nonnegative(),
  processes: z.number().int().positive(),
  wall_seconds: z.number().positive(),
});
export type RealtimeRow = z.infer<typeof RealtimeRow>;

export const RealtimeJson = z.object({
  kind: z.literal('realtime'),
  machine: z.object({
    cores: z.number().int().positive(),
    cpu: z.string(),
    load_average_before: z.array(z.number()).length(3),
    load_average_after: z.array(z.number()).length(3),
    /** Share of all cores other programs used while the bench ran (null where /proc is missing). */
    other_processes_cpu: z.number().min(0).max(1).nullable(),
  }),
  run: z.object({
    started_at: z.string(),
    seconds: z.number().positive(),
    warmup_seconds: z.number().nonnegative(),
    detect_fps: z.number().positive(),
    clip: z.object({ width: z.number().int(), height: z.number().int(), fps: z.number(), seconds: z.number(), pass_seconds: z.number() }),
    /** The cameras' record setting, or null where the configuration schema has none. */
    record: z.literal('events').nullable(),
  }),
  models: z.array(z.object({ name: z.string(), input: z.string(), bare_inference_cpu_ms: z.number().positive() })),
  floors: z.array(z.object({ model: z.string(), cameras: z.number().int().positive(), decode_cores: z.number().nonnegative(), decode_fps: z.number().nonnegative() })),
  results: z.array(RealtimeRow),
  saturation: z.array(
    z.object({
      model: z.string(),
      mode: Mode,
      /** The first camera count that did not keep real time, or null when every count run did. */
      saturated_at: z.number().int().positive().nullable(),
      /** Counts not run because a smaller one already saturated. */
      not_run: z.array(z.number().int().positive()),
      /** Cores per camera at the largest count that kept real time (else at the smallest run). */
      cores_per_camera: z.number().nonnegative(),
      /** floor(cores / cores_per_camera): cameras like these the whole machine would hold. */
      estimated_cameras: z.number().int().nonnegative(),
    }),
  ),
  skipped: z.array(z.object({ what: z.string(), reason: z.string() })),
  summary: z.object({ text: z.string(), object_cameras: z.number().int().nonnegative().nullable() }),
});
export type RealtimeJson = z.infer<typeof RealtimeJson>;
type Saturation = RealtimeJson['saturation'][number];

export function keepsRealtime(framesPerSecondPerCamera: number, detectFps: number, cores: number, machineCores: number): boolean {
  return framesPerSecondPerCamera >= REALTIME_SHARE * detectFps && cores < REALTIME_SHARE * machineCores;
}

export function saturationOf(rows: RealtimeRow[], planned: number[], machineCores: number): Omit<Saturation, 'model' | 'mode'> {
  const sorted = [...rows].sort((a, b) => a.cameras - b.cameras);
  const first = sorted.find((r) => !r.realtime);
  const kept = sorted.filter((r) => r.realtime);
  const basis = kept.length > 0 ? kept[kept.length - 1] : sorted[0];
  const perCamera = basis?.cores_per_camera ?? 0;
  const ran = new Set(sorted.map((r) => r.cameras));
  return {
    saturated_at: first?.cameras ?? null,
    not_run: planned.filter((n) => !ran.has(n)),
    cores_per_camera: perCamera,
    estimated_cameras: perCamera > 0 ? Math.floor(machineCores / perCamera) : 0,
  };
}

const fixed = (v: number, d = 2) => v.toFixed(d);

export function realtimeTable(json: RealtimeJson): string {
  const lines = [
    '| model | detect | N | cores | serve / workers / ffmpeg | per camera | floor (decode + inference) | × floor | inferred | fps/camera | real time | events |',
    '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --- | --: |',
  ];
  for (const r of json.results) {
    lines.push(
      `| ${r.model} | ${r.mode} | ${r.cameras} | ${fixed(r.cores)} | ${fixed(r.by_process.serve)} / ${fixed(r.by_process.workers)} / ${fixed(r.by_process.ffmpeg)} | ${fixed(r.cores_per_camera, 3)} | ${fixed(r.floor.cores)} (${fixed(r.floor.decode_cores)} + ${fixed(r.floor.inference_cores)}) | ${fixed(r.ratio_to_floor)} | ${Math.round(r.inferred_share * 100)} % | ${fixed(r.frames_per_second_per_camera, 1)} | ${r.realtime ? 'yes' : 'no'} | ${r.events} |`,
    );
  }
  lines.push('', '| model | detect | saturates at N | cores per camera | cameras this machine holds |', '| --- | --- | --: | --: | --: |');
  for (const s of json.saturation) {
    const at = s.saturated_at === null ? 'not reached' : String(s.saturated_at);
    lines.push(`| ${s.model} | ${s.mode} | ${at} | ${fixed(s.cores_per_camera, 3)} | about ${s.estimated_cameras} |`);
  }
  return lines.join('\n');
}

/** The plain-words paragraph: what was measured, the headline, and a warning on a busy machine. */
export function realtimeSummary(json: Omit<RealtimeJson, 'summary'>): RealtimeJson['summary'] {
  const { clip } = json.run;
  const res = `${clip.width}×${clip.height} ${clip.fps} fps`;
  const objects = json.saturation.find((s) => s.model === 'objects' && s.mode === 'motion') ?? json.saturation.find((s) => s.model === 'objects');
  const parts: string[] = [];
  const busy = json.machine.other_processes_cpu !== null && json.machine.other_processes_cpu > 0.1;
  if (busy) {
    parts.push(
      `WARNING: the machine was busy (other programs used ${Math.round(json.machine.other_processes_cpu! * 100)} % of the CPU, load average ${fixed(json.machine.load_average_before[0], 1)} at the start). Cores per camera are CPU time and hold up; which camera count keeps real time does not.`,
    );
  }
  if (objects) {
    parts.push(`On this run's figures, this machine runs about ${objects.estimated_cameras} cameras at ${res} with object detection (objects, detect ${objects.mode}, ${json.run.detect_fps} inferences a second at most, ${fixed(objects.cores_per_camera, 3)} cores a camera).`);
  }
  const others = json.saturation.filter((s) => s !== objects).map((s) => `${s.model} with detect ${s.mode}: about ${s.estimated_cameras} (${fixed(s.cores_per_camera, 3)} cores a camera)`);
  if (others.length > 0) parts.push(`Others: ${others.join('; ')}.`);
  parts.push(
    `Measured: serve mode with N engine-side cameras playing a mostly still ${res} H.264 scene (a person passes ${clip.pass_seconds} s in every ${clip.seconds} s), nobody watching, the CPU of its whole process tree against N bare ffmpegs' decoding plus the bare inference time of the frames inferred; ${json.machine.cores} cores (${json.machine.cpu}).`,
  );
  return { text: parts.join('\n'), object_cameras: objects ? objects.estimated_cameras : null };
}
