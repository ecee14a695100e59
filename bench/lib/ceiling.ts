/**
 * The message ceiling: what one process per camera could reach on this machine if a frame cost
 * nothing but its inference and the two messages around it.
 *
 * `cores` echo processes (bench/workers/echo-worker.ts) each busy-wait for exactly one inference's
 * time per frame (cores / limit.ips: what an inference takes while every core runs one), so with
 * free messages they would do limit.ips together. Main feeds them the way the app does: the
 * frame's bytes through a frame slot (src/engine/frame-slots.ts), a 'frame-slot' message, one
 * or two frames in flight per process (what the app's maxInFlight allows), a result message back. No validation, normalisation, decoding or
 * bookkeeping: what they reach, as a share of limit.ips, is the most any design with one message
 * each way per frame can reach here, whatever the code around the messages does.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { FrameSlots } from '../../src/engine/frame-slots';
import type { ResultMessage } from '../../src/shared/contracts/frames';
import { sleep } from './driver';
import { benchFile, tsxExecArgv } from './tsx';

export interface MessageCeiling {
  /** Frames each process had in flight. */
  in_flight: number;
  /** The stand-in inference per frame: cores / limit.ips. */
  spin_ms: number;
  processes: number;
  ips: number;
  /** ips / limit.ips. */
  ratio_to_limit: number;
}

export async function measureMessageCeiling(options: {
  limitIps: number;
  cores: number;
  frame: Uint8Array;
  result: ResultMessage;
  seconds: number;
  warmupSeconds: number;
  /** Frames each process keeps in flight (at most the frame slots). */
  inFlight?: number;
}): Promise<MessageCeiling> {
  const spinMs = (options.cores * 1000) / options.limitIps;
  const children: Array<{ child: ChildProcess; slots: FrameSlots | null }> = [];
  let counting = false;
  let stopping = false;
  let answered = 0;
  try {
    for (let i = 0; i < options.cores; i++) {
      const slots = FrameSlots.create();
      const child = fork(benchFile('workers', 'echo-worker.ts'), [], {
        execArgv: tsxExecArgv(),
        serialization: 'advanced',
        stdio: slots ? ['ignore', 'ignore', 'ignore', 'ipc', slots.fd] : ['ignore', 'ignore', 'ignore', 'ipc'],
        env: { ...process.env, ...(slots?.env ?? {}) },
      });
      children.push({ child, slots });
    }
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve, reject) => {
            child.once('message', () => resolve());
            child.once('exit', (code) => reject(new Error(`an echo process exited (${code}) before it started`)));
            child.send({ type: 'set-reply', reply: options.result, spinMs });
          }),
      ),
    );
    for (const { child, slots } of children) {
      // Whether each frame in flight went through a slot; answers come back in order.
      const inFlight: boolean[] = [];
      let slotsAnswered = 0;
      const send = () => {
        const ref = slots?.write(options.frame);
        inFlight.push(!!ref);
        child.send(ref ? { type: 'frame-slot', ...ref } : { type: 'frame-bytes', data: options.frame });
      };
      child.on('message', () => {
        // An answer to a slot frame: the echo has read every slot sent up to it.
        if (inFlight.shift()) slots?.released(++slotsAnswered);
        if (counting) answered++;
        if (!stopping) send();
      });
      for (let k = 0; k < (options.inFlight ?? 1); k++) send();
    }
    await sleep(options.warmupSeconds * 1000);
    counting = true;
    const started = performance.now();
    await sleep(options.seconds * 1000);
    counting = false;
    const ips = answered / ((performance.now() - started) / 1000);
    return { in_flight: options.inFlight ?? 1, spin_ms: spinMs, processes: options.cores, ips, ratio_to_limit: ips / options.limitIps };
  } finally {
    stopping = true;
    for (const { child, slots } of children) {
      child.kill('SIGKILL');
      slots?.close();
    }
  }
}
