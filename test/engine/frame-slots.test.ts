/**
 * Frame slots (src/engine/frame-slots.ts): a forwarded frame's pixels reach a Node worker through
 * a memory file instead of inside the IPC message. Real worker processes, the real model.
 *  - a slot is never reused before the worker has read it: frames of two different pictures sent
 *    faster than the worker answers each get the answer of their own picture;
 *  - with every slot taken, frames go inline and still get answered;
 *  - a slot message that points outside the file is refused with a clear reason, and the worker
 *    keeps answering;
 *  - no answer a page could see carries the engine's slot count.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_SLOT_COUNT, FrameSlots } from '../../src/engine/frame-slots';
import type { WorkerProcess } from '../../src/engine/launcher';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { resolveModel, xnnpackPluginPath } from '../../src/engine/paths';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import { encodeFrame, type FrameDroppedMessage, type ResultMessage } from '../../src/shared/contracts/frames';
import { WorkerOutbound } from '../../src/shared/contracts/worker';
import { fixtureFrame, makeSupervisor } from './helpers';
import { untilValue } from '../support/process';

const face = fixtureFrame('astronaut.png');
const noFace = fixtureFrame('rocket.jpg');

function bytes(cameraId: string, frameId: number, withFace: boolean): Uint8Array {
  const f = withFace ? face : noFace;
  return encodeFrame({ ...f, type: 'frame', cameraId, frameId, acceptedAt: Date.now(), sourceWidth: f.width, sourceHeight: f.height });
}


let supervisor: CameraSupervisor | null = null;
let worker: WorkerProcess | null = null;
afterEach(async () => {
  await supervisor?.stop();
  worker?.kill('SIGKILL');
  supervisor = null;
  worker = null;
});

describe('FrameSlots', () => {
  it('hands out a slot only while fewer than all are unread, and takes back what the worker read', () => {
    const slots = FrameSlots.create();
    expect(slots, 'this suite runs on Linux, which has /dev/shm').not.toBeNull();
    const frame = new Uint8Array(1000).fill(7);
    const refs = Array.from({ length: FRAME_SLOT_COUNT }, () => slots!.write(frame));
    expect(refs.map((r) => r?.slot)).toEqual([0, 1, 2, 3]);
    expect(slots!.write(frame)).toBeNull();
    expect(slots!.inline).toBe(1);
    slots!.released(99); // a count from the future changes nothing
    expect(slots!.write(frame)).toBeNull();
    slots!.released(2);
    expect(slots!.write(frame)).toEqual({ slot: 0, length: 1000 });
    expect(slots!.write(frame)).toEqual({ slot: 1, length: 1000 });
    expect(slots!.write(frame)).toBeNull();
    slots!.close();
    slots!.released(6);
    expect(slots!.write(frame)).toBeNull();
  });
});

describe('frames forwarded through slots', () => {
  it('answers every frame of a burst with its own picture, slots or inline', async () => {
    supervisor = makeSupervisor({ settings: { threadsPerInterpreter: 1 } });
    const id = supervisor.addCamera({ id: 'slots', name: 'slots', source: { kind: 'external' }, model: 'face-short' });
    await supervisor.waitForState(id, 'running', 60_000);
    const answers = new Map<number, ResultMessage | FrameDroppedMessage>();
    supervisor.on('result', (m: ResultMessage) => answers.set(m.frameId, m));
    supervisor.on('dropped', (m: FrameDroppedMessage) => answers.set(m.frameId, m));

    // Bursts of 12 (more than the slots and than the worker keeps waiting), faces on even ids.
    let next = 1;
    for (let burst = 0; burst < 5; burst++) {
      const ids = Array.from({ length: 12 }, () => next++);
      for (const frameId of ids) expect(supervisor.forwardFrame(id, bytes(id, frameId, frameId % 2 === 0))).toBe(true);
      await untilValue('answers to the burst', () => (ids.every((f) => answers.has(f)) ? true : undefined));
    }
    const results = [...answers.values()].filter((a): a is ResultMessage => a.type === 'result');
    expect(answers.size).toBe(60);
    expect(results.length).toBeGreaterThanOrEqual(10);
    for (const r of results) {
      expect('slotsRead' in r, 'the engine-internal slot count never reaches a page').toBe(false);
      if (r.frameId % 2 === 0) expect(r.detections.length, `frame ${r.frameId} shows the face`).toBeGreaterThan(0);
      else expect(r.detections, `frame ${r.frameId} shows no face`).toEqual([]);
    }

    // Then one at a time: each gets its own answer too.
    for (let i = 0; i < 20; i++) {
      const frameId = next++;
      supervisor.forwardFrame(id, bytes(id, frameId, frameId % 2 === 0));
      const answer = await untilValue(`frame ${frameId}`, () => answers.get(frameId));
      expect(answer.type).toBe('result');
      if (answer.type === 'result') expect(answer.detections.length > 0).toBe(frameId % 2 === 0);
    }
  }, 120_000);

  it('refuses a slot message that points outside the slot file, and goes on answering', async () => {
    worker = new NodeLauncher().launch({ cameraId: 'bad-slot', serviceName: 'camera-bad-slot' });
    expect(worker.frameSlots).not.toBeNull();
    const messages: WorkerOutbound[] = [];
    worker.on('message', (m) => messages.push(WorkerOutbound.parse(m)));
    const model = resolveModel('face-short');
    worker.postMessage({
      type: 'init',
      config: { cameraId: 'bad-slot', modelPath: model.path, modelName: model.name, threads: 1, delegate: 'xnnpack', delegatePath: xnnpackPluginPath(), scoreThreshold: 0.5, statsIntervalMs: 1000 },
    });
    await untilValue('ready', () => messages.find((m) => m.type === 'ready'));

    // Schema-valid, but slot 40 is past the four the file has.
    worker.postMessage({ type: 'frame-slot', slot: 40, length: 1000 });
    // Out of the schema's range altogether.
    worker.postMessage({ type: 'frame-slot', slot: -1, length: 0 });
    const line = await untilValue('the reason on stderr', () => worker!.recentStderr.find((l) => l.includes('outside the slot file')));
    expect(line).toMatch(/frame slot 40/);
    await untilValue('the schema refusal', () => worker!.recentStderr.find((l) => l.includes('control message rejected')));

    const ref = worker.frameSlots!.write(bytes('bad-slot', 77, true));
    expect(ref).not.toBeNull();
    worker.postMessage({ type: 'frame-slot', ...ref! });
    const result = await untilValue('the result', () => messages.find((m) => m.type === 'result'));
    expect(result).toMatchObject({ type: 'result', frameId: 77 });
    if (result.type === 'result') {
      expect(result.detections.length).toBeGreaterThan(0);
      expect(result.slotsRead).toBe(2);
    }
  }, 60_000);
});
