/**
 * Events end to end inside the engine, on real worker processes with the real model: frames of a
 * face, then frames without one, make exactly one face event that starts, ends once the face is
 * gone, and has a snapshot whose box overlaps the face. A required zone that excludes the face
 * makes none; one that includes it makes the event, with the zone listed.
 */
import { silentLogger } from '../../src/engine/logger';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { iou } from '../../src/workers/geometry';
import type { EventChange, Zone } from '../../src/shared/contracts/events';
import { fixtureFrame } from '../engine/helpers';
import { sleep, until } from '../support/process';
import { tempDir } from './helpers';

const FACE = { x: 0.35, y: 0.159, w: 0.181, h: 0.181 };
const face = fixtureFrame('astronaut.png');
const noFace = fixtureFrame('rocket.jpg');
const t = tempDir();
let host: EngineHost;
const changes: EventChange[] = [];

beforeAll(async () => {
  const configFile = path.join(t.dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ cameras: [{ id: 'porch', name: 'Porch', source: { kind: 'external' } }] }));
  host = new EngineHost({
    configFile,
    eventsDir: t.dir,
    launcher: new NodeLauncher(),
    supervisor: { calibrate: false, calibrationFile: null, statsIntervalMs: 250 },
    log: silentLogger(),
  });
  host.on('event', (e) => e.type === 'event' && changes.push(e.change));
  host.start();
  await until(() => host.supervisor.status('porch')?.state === 'running', 60_000, 'the camera to run');
});
afterAll(async () => {
  await host?.stop();
  t.remove();
});

/** About 25 frames a second of one picture for `ms`. */
async function show(frame: typeof face, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    host.supervisor.pushFrame('porch', frame);
    await sleep(40);
  }
}

async function appearance(): Promise<EventChange[]> {
  const from = changes.length;
  await show(face, 1500);
  await show(noFace, 3000); // the track ends 2 s after the face was last seen
  await sleep(500);
  return changes.slice(from);
}

const zone = (name: string, x0: number, x1: number, required: boolean): Zone => ({
  name,
  required,
  points: [{ x: x0, y: 0 }, { x: x1, y: 0 }, { x: x1, y: 1 }, { x: x0, y: 1 }],
});

describe('events from a camera', () => {
  it('one face appearance makes exactly one event: start, end once the face is gone, snapshot box on the face', async () => {
    const got = await appearance();
    expect(got.map((c) => c.type).filter((t) => t !== 'update')).toEqual(['new', 'end']);
    const ended = got[got.length - 1].event;
    expect(ended).toMatchObject({ camera: 'porch', cameraName: 'Porch', label: 'face' });
    expect(ended.end! - ended.start).toBeGreaterThan(1000);
    expect(iou(ended.box, FACE)).toBeGreaterThan(0.5);
    const stored = host.events!.list({ limit: 10 }).events;
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: ended.id, end: ended.end });
    const file = host.events!.imageFile(ended.id, 'snapshot')!;
    expect(fs.readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it('a picture without a face makes no event', async () => {
    const from = changes.length;
    await show(noFace, 2500);
    expect(changes.slice(from)).toEqual([]);
  });

  it('a required zone that excludes the face makes no event; one that includes it makes the event, zone listed', async () => {
    // The face's bottom centre is at x 0.44, y 0.34.
    host.supervisor.updateCamera('porch', { events: { enabled: true, minScore: 0, minArea: 0, zones: [zone('right', 0.6, 1, true)] } });
    expect(await appearance()).toEqual([]);
    host.supervisor.updateCamera('porch', { events: { enabled: true, minScore: 0, minArea: 0, zones: [zone('left', 0, 0.6, true), zone('right', 0.6, 1, false)] } });
    const got = await appearance();
    expect(got.map((c) => c.type).filter((t) => t !== 'update')).toEqual(['new', 'end']);
    expect(got[got.length - 1].event.zones).toEqual(['left']);
  });
});
