/**
 * The floor the real-time cameras are measured against, in the same run:
 *
 * - decoding: N bare ffmpeg processes running the camera's own model branch (planFfmpeg with the
 *   same source, model size and detect.fps, no live-view output), at the file's own rate (-re),
 *   their raw frames read and thrown away. Their CPU (utime + stime from /proc) in cores.
 * - inference: one interpreter (1 thread, XNNPACK, as a camera worker on a full machine) running
 *   bare invokes in this process: CPU milliseconds per inference. Times the inferences the cameras
 *   actually ran, it is the least their model could have cost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { planFfmpeg } from '../../src/workers/sources/ffmpeg-args';
import { Detector } from '../../src/workers/detector';
import type { ResolvedModel } from '../../src/engine/paths';
import { treeCpu } from './cpu';
import { sleep } from './driver';
import { timeIt } from './overhead';

export interface BareDecode {
  processes: number;
  /** CPU of all of them together, in cores (CPU seconds / wall seconds). */
  cores: number;
  /** Raw frames all of them wrote, per second. */
  fps: number;
}

export interface BareDecodeOptions {
  ffmpegPath: string;
  clip: string;
  processes: number;
  width: number;
  height: number;
  detectFps: number;
  warmupSeconds: number;
  seconds: number;
}

function cpuOf(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) sum += treeCpu(pid).get(pid) ?? 0;
  return sum;
}

export async function measureBareDecode(o: BareDecodeOptions): Promise<BareDecode> {
  const plan = planFfmpeg({ source: { kind: 'file', path: o.clip, loop: true }, width: o.width, height: o.height, detectFps: o.detectFps, preview: null, realtime: true });
  const children: ChildProcess[] = [];
  let frames = 0;
  let counting = false;
  try {
    for (let i = 0; i < o.processes; i++) {
      const child = spawn(o.ffmpegPath, plan.args, { stdio: ['ignore', 'pipe', 'ignore'] });
      child.on('error', () => undefined);
      let bytes = 0;
      child.stdout!.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        const whole = Math.floor(bytes / plan.frameBytes);
        bytes -= whole * plan.frameBytes;
        if (counting) frames += whole;
      });
      children.push(child);
    }
    await sleep(o.warmupSeconds * 1000);
    const pids = children.map((c) => c.pid).filter((p): p is number => p !== undefined);
    if (pids.length !== o.processes || children.some((c) => c.exitCode !== null)) throw new Error('a bare ffmpeg did not start or exited early');
    const before = cpuOf(pids);
    const started = performance.now();
    counting = true;
    await sleep(o.seconds * 1000);
    counting = false;
    const used = cpuOf(pids) - before;
    const wall = (performance.now() - started) / 1000;
    return { processes: o.processes, cores: used / wall, fps: frames / wall };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => c.once('exit', r)))));
  }
}

/** CPU milliseconds of one bare invoke of the model (1 thread, XNNPACK), the quickest tenth of batches; and the frame size it takes. */
export function bareInferenceCpuMs(model: ResolvedModel, delegatePath: string | undefined): { cpuMs: number; inputWidth: number; inputHeight: number } {
  const detector = new Detector({ modelPath: model.path, modelName: model.name, threads: 1, delegate: 'xnnpack', delegatePath, landmarkModelPath: model.landmarkPath });
  const t0 = process.cpuUsage();
  detector.inferOnly();
  detector.inferOnly();
  const used = process.cpuUsage(t0);
  const rough = Math.max(0.05, (used.user + used.system) / 1000 / 2);
  // Batches of about 50 ms of CPU each, 12 of them: under a second for a 1 ms model and a 45 ms one alike.
  const cpuMs = timeIt(() => detector.inferOnly(), 12, Math.max(1, Math.round(50 / rough)));
  return { cpuMs, inputWidth: detector.inputWidth, inputHeight: detector.inputHeight };
}
