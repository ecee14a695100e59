/**
 * An engine-side camera's results go to main one by one while someone watches it, and in batches
 * while nobody does (src/workers/result-batch.ts). (Through the real worker and supervisor, a
 * file camera nobody watches delivering its results: worker-source.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_MAX, BATCH_MAX_MS, ResultBatcher } from '../../src/workers/result-batch';
import type { ResultMessage } from '../../src/shared/contracts/frames';
import { WorkerOutbound } from '../../src/shared/contracts/worker';
import { sleep } from '../support/process';

function result(frameId: number): ResultMessage {
  return { type: 'result', cameraId: 'cam', frameId, detections: [], inferMs: 1, endToEndMs: 2, sourceWidth: 640, sourceHeight: 480 };
}

let batcher: ResultBatcher | null = null;
afterEach(() => batcher?.flush());

describe('ResultBatcher', () => {
  it('sends at once while watched, after flushing what waited', () => {
    const sent: WorkerOutbound[] = [];
    batcher = new ResultBatcher('cam', (m) => sent.push(m));
    batcher.add(result(1), false);
    batcher.add(result(2), false);
    expect(sent).toEqual([]);
    batcher.add(result(3), true);
    expect(sent.map((m) => m.type)).toEqual(['results', 'result']);
    expect(WorkerOutbound.parse(sent[0])).toMatchObject({ type: 'results', cameraId: 'cam', results: [{ frameId: 1 }, { frameId: 2 }] });
    expect(sent[1]).toMatchObject({ type: 'result', frameId: 3 });
  });

  it('batches while nobody watches: full batches at once, the rest within the time limit', async () => {
    const sent: Array<{ at: number; message: WorkerOutbound }> = [];
    batcher = new ResultBatcher('cam', (message) => sent.push({ at: Date.now(), message }));
    const before = Date.now();
    for (let i = 1; i <= BATCH_MAX + 3; i++) batcher.add(result(i), false);
    expect(sent).toHaveLength(1);
    const full = WorkerOutbound.parse(sent[0].message);
    expect(full.type === 'results' && full.results.map((r) => r.frameId)).toEqual(Array.from({ length: BATCH_MAX }, (_, i) => i + 1));
    while (sent.length < 2 && Date.now() - before < 10_000) await sleep(10);
    const rest = WorkerOutbound.parse(sent[1].message);
    expect(rest.type === 'results' && rest.results.map((r) => r.frameId)).toEqual([BATCH_MAX + 1, BATCH_MAX + 2, BATCH_MAX + 3]);
    expect(sent[1].at - before).toBeGreaterThanOrEqual(BATCH_MAX_MS - 5);
    // A single waiting result goes as itself.
    batcher.add(result(99), false);
    batcher.flush();
    expect(sent[2].message).toMatchObject({ type: 'result', frameId: 99 });
    batcher.flush();
    expect(sent).toHaveLength(3);
  });
});
