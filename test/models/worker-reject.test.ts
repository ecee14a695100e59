/**
 * Security item 3: the worker answers every frame it rejects, with the reason. A frame that fails
 * validation (a picture 16385 pixels wide) used to be counted and dropped without a word, so its
 * sender waited forever for the credit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FrameDroppedMessage } from '../../src/shared/contracts/frames';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import { fixtureFrame, makeSupervisor } from '../engine/helpers';

let supervisor: CameraSupervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});

describe('camera worker', () => {
  it('answers a frame that fails validation with frame-dropped and the reason, then serves the next', async () => {
    supervisor = makeSupervisor();
    const s = supervisor;
    const id = s.addCamera({ name: 'cam', source: { kind: 'external' } });
    await s.waitForState(id, 'running', 60_000);
    const dropped = new Promise<FrameDroppedMessage>((resolve) => s.on('dropped', resolve));
    const frame = fixtureFrame('astronaut.png');
    const bad = s.pushFrame(id, { ...frame, sourceWidth: 16385, sourceHeight: 2 });
    const answer = await dropped;
    expect(answer).toMatchObject({ frameId: bad, reason: 'rejected' });
    expect(answer.message).toMatch(/^frame rejected: .*16384/);
    const result = new Promise<{ frameId: number }>((resolve) => s.on('result', resolve));
    const good = s.pushFrame(id, frame);
    expect((await result).frameId).toBe(good);
  });
});
