/**
 * Where a frame's time goes on the process-per-camera path, outside infer():
 *
 *  main process:  pushFrame -> credit gate -> encodeFrame (the binary form a page sends)
 *                 -> child.send({type: 'frame-bytes'}) (serialize 49 KB) ............. transport out
 *  worker:        deserialize -> zod parse (WorkerInbound) -> decodeFrame (JSON header,
 *                 zod FrameMessage) -> setImmediate ................................... transport in
 *                 normalise (uint8 -> float32 into the input tensor) .................. normalisation
 *                 infer() .............................................................. inference
 *                 BlazeFace decode + weighted NMS ...................................... decoding
 *                 stats (rate meter, latency windows), serialize result ............... transport back
 *  main process:  deserialize -> zod parse (WorkerOutbound) -> 'result' event ........ transport back
 *
 * Measured two ways: from the run itself (bench-side end to end vs the inferMs the worker
 * reports, and CPU seconds per frame in the main process vs the workers), and by timing each piece
 * alone in this process (normalisation loop, Detector.run minus infer, zod parses, an IPC echo).
 */
import { fork } from 'node:child_process';
import v8 from 'node:v8';
import { FrameSlots } from '../../src/engine/frame-slots';
import { Detector } from '../../src/workers/detector';
import { findManifestModel } from '../../src/shared/models';
import { decodeFrame, encodeFrame, parseMessage, type FrameMessage, type ResultMessage } from '../../src/shared/contracts/frames';
import { WorkerInbound, WorkerOutbound } from '../../src/shared/contracts/worker';
import { percentile } from '../../src/shared/stats';
import type { MessageCeiling } from './ceiling';
import { treeCpu } from './cpu';
import type { DriveResult } from './driver';
import type { StreamFrame } from './frames';
import { benchFile, tsxExecArgv } from './tsx';
import type { ModelRef } from './types';

export interface PieceTimes {
  normalize_ms: number;
  decode_ms: number;
  infer_ms: number;
  /** Main: a frame into its binary form (encodeFrame), as the feeder sends it. */
  encode_frame_ms: number;
  /** Worker: the whole validation of a frame: the WorkerInbound parse of the wrapper and decodeFrame. */
  zod_frame_parse_ms: number;
  /** v8's structured serialisation, what `serialization: 'advanced'` does to each message, both ends. */
  serialize_frame_ms: number;
  deserialize_frame_ms: number;
  serialize_result_ms: number;
  deserialize_result_ms: number;
  zod_result_parse_ms: number;
  /** Frame out, result back, through a child that does nothing: wall time, both processes' work and wake-ups. */
  ipc_roundtrip_ms: number;
  ipc_roundtrip_no_pixels_ms: number;
  /** CPU both processes spent per round trip (10 ms ticks over hundreds of trips). */
  ipc_cpu_ms: number;
  ipc_cpu_no_pixels_ms: number;
  /** The same round trip with the pixels through a frame slot (where the platform has /dev/shm). */
  ipc_roundtrip_slot_ms?: number;
  ipc_cpu_slot_ms?: number;
}

/**
 * CPU time of one call: this process's CPU time (user + system) per call, over batches, the
 * quickest tenth. CPU time, not wall time, so that other programs taking the cores do not count;
 * and a low percentile because what noise is left on a shared machine (caches flushed by the
 * neighbours, time stolen from a virtual CPU) only ever adds.
 */
export function timeIt(fn: () => void, batches = 25, perBatch = 40): number {
  // Warm up for 300 ms: v8.serialize of a typed array, for one, takes ~40x its steady cost for its
  // first thousand or so calls, while its JavaScript is compiled.
  const warm = performance.now() + 300;
  while (performance.now() < warm) fn();
  const times: number[] = [];
  for (let b = 0; b < batches; b++) {
    const started = process.cpuUsage();
    for (let i = 0; i < perBatch; i++) fn();
    const used = process.cpuUsage(started);
    times.push((used.user + used.system) / 1000 / perBatch);
  }
  return percentile(times, 10);
}

export async function measurePieces(model: ModelRef, delegatePath: string | undefined, frame: StreamFrame): Promise<PieceTimes> {
  const detector = new Detector({ modelPath: model.path, modelName: model.name, threads: 1, delegate: 'xnnpack', delegatePath });
  const norm = findManifestModel(model.name)?.normalization ?? { mean: 127.5, std: 127.5 };
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v - norm.mean) / norm.std;
  const input = new Float32Array(frame.data.length);
  const rgb = frame.data;
  // The same loop as Detector.run's normalisation (a 256-entry lookup table).
  const normalize_ms = timeIt(() => {
    for (let i = 0; i < rgb.length; i++) input[i] = table[rgb[i]];
  });
  // Detector.run = normalise + infer + decode; inferOnly = infer alone.
  const last = detector.run(frame.data, frame.letterbox);
  const run_ms = timeIt(() => void detector.run(frame.data, frame.letterbox), 25, 20);
  const infer_ms = timeIt(() => detector.inferOnly(), 25, 20);
  const decode_ms = Math.max(0, run_ms - infer_ms - normalize_ms);

  const frameMessage: FrameMessage = {
    type: 'frame',
    cameraId: 'bench-0',
    frameId: 1,
    width: frame.width,
    height: frame.height,
    data: frame.data,
    letterbox: frame.letterbox,
    sourceWidth: frame.width,
    sourceHeight: frame.height,
    acceptedAt: Date.now(),
  };
  const resultMessage: ResultMessage = {
    type: 'result',
    cameraId: 'bench-0',
    frameId: 1,
    detections: last.detections,
    inferMs: last.inferMs,
    endToEndMs: 1,
    sourceWidth: frame.width,
    sourceHeight: frame.height,
  };
  // The serve path (R2): what goes over the channel is the frame's binary form in a wrapper.
  const wrapped = { type: 'frame-bytes' as const, data: encodeFrame(frameMessage) };
  const encode_frame_ms = timeIt(() => void encodeFrame(frameMessage));
  const zod_frame_parse_ms = timeIt(() => {
    const m = parseMessage(WorkerInbound, wrapped);
    if (m.ok && m.value.type === 'frame-bytes') decodeFrame(m.value.data);
  });
  const zod_result_parse_ms = timeIt(() => void parseMessage(WorkerOutbound, resultMessage));
  const frameBytes = v8.serialize(wrapped);
  const resultBytes = v8.serialize(resultMessage);
  const serialize_frame_ms = timeIt(() => void v8.serialize(wrapped));
  const deserialize_frame_ms = timeIt(() => void v8.deserialize(frameBytes));
  const serialize_result_ms = timeIt(() => void v8.serialize(resultMessage));
  const deserialize_result_ms = timeIt(() => void v8.deserialize(resultBytes));
  const withPixels = await echoRoundTrip(wrapped, resultMessage);
  // The serve path as main takes it when a frame slot is free (src/engine/frame-slots.ts).
  const throughSlot = FrameSlots.create() ? await echoRoundTrip(wrapped, resultMessage, { slots: true }) : null;
  // The same round trip with a frame message that carries no pixels: what the 49 KB payload costs.
  const noPixels = await echoRoundTrip({ type: 'frame-bytes', data: encodeFrame({ ...frameMessage, data: new Uint8Array(0) }) }, resultMessage);
  return {
    normalize_ms,
    decode_ms,
    infer_ms,
    encode_frame_ms,
    zod_frame_parse_ms,
    zod_result_parse_ms,
    serialize_frame_ms,
    deserialize_frame_ms,
    serialize_result_ms,
    deserialize_result_ms,
    ipc_roundtrip_ms: withPixels.wallMs,
    ipc_roundtrip_no_pixels_ms: noPixels.wallMs,
    ipc_cpu_ms: withPixels.cpuMs,
    ipc_cpu_no_pixels_ms: noPixels.cpuMs,
    ...(throughSlot ? { ipc_roundtrip_slot_ms: throughSlot.wallMs, ipc_cpu_slot_ms: throughSlot.cpuMs } : {}),
  };
}

/**
 * A frame message out and a result message back through a do-nothing child, `count` times: the
 * median wall time of one round trip, and the CPU both processes spent per round trip.
 */
async function echoRoundTrip(
  out: { type: 'frame-bytes'; data: Uint8Array },
  back: ResultMessage,
  options: { slots?: boolean } = {},
  rounds = 4,
  count = 300,
): Promise<{ wallMs: number; cpuMs: number }> {
  const slots = options.slots ? FrameSlots.create() : null;
  const child = fork(benchFile('workers', 'echo-worker.ts'), [], {
    execArgv: tsxExecArgv(),
    serialization: 'advanced',
    stdio: slots ? ['ignore', 'ignore', 'ignore', 'ipc', slots.fd] : ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, ...(slots?.env ?? {}) },
  });
  try {
    let next: (() => void) | null = null;
    let slotsSent = 0;
    child.on('message', () => {
      // One message at a time: the echo has read every slot sent before it answered.
      slots?.released(slotsSent);
      const n = next;
      next = null;
      n?.();
    });
    const send = (m: unknown) =>
      new Promise<void>((resolve) => {
        next = resolve;
        const ref = slots && (m as { type?: string }).type === 'frame-bytes' ? slots.write((m as { data: Uint8Array }).data) : null;
        if (ref) slotsSent++;
        child.send(ref ? { type: 'frame-slot', ...ref } : (m as object));
      });
    await send({ type: 'set-reply', reply: back });
    for (let i = 0; i < 100; i++) await send(out);
    // Several rounds, the cheapest one: a busy machine only adds (see timeIt).
    const times: number[] = [];
    let cpuMs = Infinity;
    for (let r = 0; r < rounds; r++) {
      const before = treeCpu();
      for (let i = 0; i < count; i++) {
        const t = performance.now();
        await send(out);
        times.push(performance.now() - t);
      }
      const after = treeCpu();
      let cpu = 0;
      for (const pid of [process.pid, child.pid!]) cpu += (after.get(pid) ?? 0) - (before.get(pid) ?? 0);
      cpuMs = Math.min(cpuMs, (cpu * 1000) / count);
    }
    return { wallMs: percentile(times, 50), cpuMs };
  } finally {
    child.kill('SIGKILL');
    slots?.close();
  }
}

export interface OverheadReport {
  strategy: 'process-per-camera';
  pieces: PieceTimes;
  /** From the process-per-camera runs: one row per N measured. */
  runs: Array<{
    streams: number;
    end_to_end_p50_ms: number;
    infer_p50_ms: number;
    /** end to end minus infer: everything outside infer(), queueing included. */
    outside_infer_p50_ms: number;
    outside_infer_share: number;
    /** Worker's own Date.now() end to end (1 ms resolution). */
    worker_end_to_end_p50_ms: number;
    main_cpu_ms_per_frame: number;
    workers_cpu_ms_per_frame: number;
    /** All CPU the run used per frame (bench process + workers) minus infer: the price of the process path. */
    cpu_outside_infer_ms_per_frame: number;
    /** Answers a second, all streams together, and their share of the message ceiling at the run's frames in flight. */
    ips?: number;
    share_of_message_ceiling?: number;
  }>;
  /**
   * Per-frame CPU outside infer, summed from the pieces (normalise, decode, both zod parses, the IPC
   * round trip's CPU in both processes), and the share of the limit the process path could reach
   * with it if nothing else got in the way.
   */
  estimated_cpu_outside_infer_ms: number;
  estimated_ceiling_share: number;
  /** Measured: processes that only wait one inference's time and exchange the two messages (ceiling.ts). */
  message_ceiling?: MessageCeiling[];
}

export function overheadRow(n: number, r: DriveResult) {
  const e2e = r.p50Ms;
  const infer = percentile(r.inferMs, 50);
  const frames = Math.max(1, r.frames);
  return {
    streams: n,
    ips: r.ips,
    end_to_end_p50_ms: e2e,
    infer_p50_ms: infer,
    outside_infer_p50_ms: Math.max(0, e2e - infer),
    outside_infer_share: e2e > 0 ? Math.max(0, e2e - infer) / e2e : 0,
    worker_end_to_end_p50_ms: percentile(r.extra.workerEndToEndMs ?? [], 50),
    main_cpu_ms_per_frame: (r.cpuDetail.selfSeconds * 1000) / frames,
    workers_cpu_ms_per_frame: (r.cpuDetail.childSeconds * 1000) / frames,
    cpu_outside_infer_ms_per_frame: Math.max(0, ((r.cpuDetail.selfSeconds + r.cpuDetail.childSeconds) * 1000) / frames - infer),
  };
}

/**
 * `inFlight`: the frames in flight the process-per-camera runs had; each run's rate is given as a
 * share of the message ceiling measured with as many in flight (the most one message each way per
 * frame allows here).
 */
export function buildOverhead(pieces: PieceTimes, runs: OverheadReport['runs'], ceiling: MessageCeiling[] = [], inFlight = 1): OverheadReport {
  // CPU per frame spent outside infer: both processes' share of IPC, both zod parses, normalise, decode.
  const outside = pieces.encode_frame_ms + pieces.normalize_ms + pieces.decode_ms + pieces.zod_frame_parse_ms + pieces.zod_result_parse_ms + (pieces.ipc_cpu_slot_ms ?? pieces.ipc_cpu_ms);
  const roof = ceiling.find((c) => c.in_flight === inFlight);
  return {
    strategy: 'process-per-camera',
    pieces,
    runs: roof && roof.ips > 0 ? runs.map((r) => (r.ips === undefined ? r : { ...r, share_of_message_ceiling: r.ips / roof.ips })) : runs,
    estimated_cpu_outside_infer_ms: outside,
    estimated_ceiling_share: pieces.infer_ms / (pieces.infer_ms + outside),
    ...(ceiling.length > 0 ? { message_ceiling: ceiling } : {}),
  };
}
