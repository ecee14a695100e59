/** The shape of the bench's JSON output, shared by the bench (it validates before writing) and its test. */
import { z } from 'zod';
import { STRATEGIES } from './types';

const finite = z.number().finite();
const nonNegative = finite.nonnegative();

export const ResultRowSchema = z.object({
  strategy: z.enum(STRATEGIES),
  streams: z.number().int().positive(),
  threads: z.number().int().positive(),
  variant: z.enum(['mutex', 'pool']).optional(),
  delegate: z.enum(['xnnpack', 'none', 'wasm']),
  interpreters: z.number().int().positive(),
  ips: nonNegative,
  per_stream_ips: nonNegative,
  min_stream_ips: nonNegative,
  max_stream_ips: nonNegative,
  p50_ms: nonNegative,
  p95_ms: nonNegative,
  cpu: nonNegative,
  ratio_to_limit: nonNegative,
  misattributed: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  frames: z.number().int().nonnegative(),
  long_tasks: z.object({ count: z.number().int().nonnegative(), total_ms: nonNegative }).optional(),
  note: z.string().optional(),
});

const Count = z.object({ results: z.number().int().nonnegative(), misattributed: z.number().int().nonnegative() });

export const BenchJsonSchema = z.object({
  machine: z.object({
    cores: z.number().int().positive(),
    cpu: z.string(),
    node: z.string(),
    platform: z.string(),
    memory_gb: finite,
  }),
  run: z.object({
    started_at: z.string(),
    seconds: finite.positive(),
    warmup_seconds: nonNegative,
    /** Frames in flight per camera on the app's own path (process-per-camera's maxInFlight). */
    in_flight: z.number().int().positive(),
    streams: z.array(z.number().int().positive()),
    strategies: z.array(z.enum(STRATEGIES)),
    model: z.object({ name: z.string(), path: z.string(), input: z.string() }),
    load_average_before: z.array(finite),
    load_average_after: z.array(finite),
    /** Share of all cores other programs used during the run: above 0.1 the figures are unreliable. */
    other_processes_cpu: nonNegative.nullable(),
    /** Expected-answer separation between streams (frame fractions): how sure the attribution check is. */
    min_stream_separation: finite,
  }),
  /** Measured: N processes each running a bare infer() loop together, N = 1 .. cores. */
  limit: z.object({
    /** The concurrent rate at N = cores: what every ratio_to_limit is against. */
    ips: finite.positive(),
    /** One process alone x cores: what the cores would do if running together cost nothing. */
    linear_ips: finite.positive(),
    single_thread_ips: finite.positive(),
    concurrent: z.array(z.object({ processes: z.number().int().positive(), ips: nonNegative })).min(1),
    delegate: z.enum(['xnnpack', 'none']),
    by_threads: z.array(z.object({ threads: z.number().int().positive(), ips: nonNegative })),
    /** process-per-camera-ffmpeg's own limit: 1 / (1/D + 1/ips), D = frames/s of `cores` concurrent decode-only ffmpegs. */
    ffmpeg_ips: finite.positive().optional(),
    ffmpeg_decode_fps: finite.positive().optional(),
  }),
  results: z.array(ResultRowSchema),
  /** The plain-words first paragraph and the figures it rests on. */
  summary: z.object({
    text: z.string().min(1),
    busy: z.boolean(),
    app: z.object({ streams: z.number().int().positive(), ips: nonNegative, ratio_to_limit: nonNegative }).nullable(),
    cameras_at_fps: z.array(z.object({ fps: finite.positive(), cameras: z.number().int().nonnegative() })),
  }),
  skipped: z.array(z.object({ strategy: z.enum(STRATEGIES), reason: z.string() })),
  correctness: z.object({
    misattributed_total: z.number().int().nonnegative(),
    interleaving: z.union([
      z.object({
        infer_returns: z.string(),
        infer_is_synchronous: z.boolean(),
        callers: z.number().int(),
        frames_per_caller: z.number().int(),
        unlocked: Count,
        locked: Count,
        detector_run: Count,
        explanation: z.string(),
      }),
      z.object({ skipped: z.string() }),
    ]),
  }),
  overhead: z.union([
    z.object({
      strategy: z.literal('process-per-camera'),
      pieces: z.object({
        normalize_ms: nonNegative,
        decode_ms: nonNegative,
        infer_ms: nonNegative,
        encode_frame_ms: nonNegative,
        zod_frame_parse_ms: nonNegative,
        serialize_frame_ms: nonNegative,
        deserialize_frame_ms: nonNegative,
        serialize_result_ms: nonNegative,
        deserialize_result_ms: nonNegative,
        zod_result_parse_ms: nonNegative,
        ipc_roundtrip_ms: nonNegative,
        ipc_roundtrip_no_pixels_ms: nonNegative,
        ipc_cpu_ms: nonNegative,
        ipc_cpu_no_pixels_ms: nonNegative,
        ipc_roundtrip_slot_ms: nonNegative.optional(),
        ipc_cpu_slot_ms: nonNegative.optional(),
      }),
      runs: z.array(
        z.object({
          streams: z.number().int().positive(),
          end_to_end_p50_ms: nonNegative,
          infer_p50_ms: nonNegative,
          outside_infer_p50_ms: nonNegative,
          outside_infer_share: nonNegative,
          worker_end_to_end_p50_ms: finite,
          main_cpu_ms_per_frame: nonNegative,
          workers_cpu_ms_per_frame: nonNegative,
          cpu_outside_infer_ms_per_frame: nonNegative,
          /** Absent from results written before they were added. */
          ips: nonNegative.optional(),
          share_of_message_ceiling: nonNegative.optional(),
        }),
      ),
      estimated_cpu_outside_infer_ms: nonNegative,
      estimated_ceiling_share: nonNegative,
      message_ceiling: z
        .array(
          z.object({
            in_flight: z.number().int().positive(),
            spin_ms: finite.positive(),
            processes: z.number().int().positive(),
            ips: nonNegative,
            ratio_to_limit: nonNegative,
          }),
        )
        .min(1)
        .optional(),
    }),
    z.object({ skipped: z.string() }),
  ]),
});
export type BenchJson = z.infer<typeof BenchJsonSchema>;
