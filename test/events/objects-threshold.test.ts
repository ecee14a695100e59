/**
 * The objects model's defaults through the real engine, worker process and model: the astronaut
 * framed as a camera would frame her gives two person boxes each frame, the person at about 0.41
 * and a second box inside her at about 0.34 (the pair measured in docs/models.md). Both pass the
 * detection threshold (0.3); only the person's track reaches the event threshold (0.35, on the
 * median of its scores), so one person event is made, not two. At the old 0.5 there was none.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { silentLogger } from '../../src/engine/logger';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { decodeImage, toModelFrame } from '../../src/node/images';
import type { EventChange } from '../../src/shared/contracts/events';
import type { Detection } from '../../src/shared/contracts/frames';
import { cropImage, fixtureFrame, fixtures } from '../engine/helpers';
import { sleep, until } from '../support/process';
import { tempDir } from './helpers';

const framed = toModelFrame(cropImage(decodeImage(path.join(fixtures, 'astronaut.png')), 60, 60, 400, 300), 300, 300);
const empty = fixtureFrame('rocket.jpg', 300);
const t = tempDir();
let host: EngineHost;
const changes: EventChange[] = [];
const results: Detection[][] = [];

beforeAll(async () => {
  const configFile = path.join(t.dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ cameras: [{ id: 'yard', name: 'Yard', source: { kind: 'external' }, model: 'objects' }] }));
  host = new EngineHost({
    configFile,
    eventsDir: t.dir,
    launcher: new NodeLauncher(),
    supervisor: { calibrate: false, calibrationFile: null, statsIntervalMs: 250 },
    log: silentLogger(),
  });
  host.on('event', (e) => e.type === 'event' && changes.push(e.change));
  host.supervisor.on('result', (r) => results.push(r.detections));
  host.start();
  await until(() => host.supervisor.status('yard')?.state === 'running', 120_000, 'the camera to run');
}, 150_000);
afterAll(async () => {
  await host?.stop();
  t.remove();
});

/** Pushes one picture until `n` more results have come back. */
async function showFor(frame: typeof framed, n: number): Promise<Detection[][]> {
  const from = results.length;
  while (results.length < from + n) {
    host.supervisor.pushFrame('yard', frame);
    await sleep(40);
  }
  return results.slice(from);
}

describe('objects: default thresholds through the worker', () => {
  it('keeps both person boxes as detections, and makes one event: the steady person, not the box under 0.35', async () => {
    const seen = await showFor(framed, 15);
    const people = seen.at(-1)!.filter((d) => d.label === 'person').map((d) => d.score).sort();
    expect(people).toHaveLength(2);
    expect(people[0]).toBeGreaterThanOrEqual(0.3);
    expect(people[0]).toBeLessThan(0.35);
    expect(people[1]).toBeGreaterThan(0.35);
    expect(people[1]).toBeLessThan(0.5);
    await showFor(empty, 3);
    await until(() => changes.some((c) => c.type === 'end'), 30_000, 'the event to end');
    const news = changes.filter((c) => c.type === 'new');
    expect(news).toHaveLength(1);
    expect(news[0].event.label).toBe('person');
    expect(news[0].event.score).toBeCloseTo(people[1], 2);
  }, 180_000);
});
