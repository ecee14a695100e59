import { afterEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { EventsHub } from '../../src/engine/events/hub';
import { registerEventRoutes } from '../../src/serve/events-routes';
import type { EventChange, EventPage } from '../../src/shared/contracts/events';
import { tempDir, track } from './helpers';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const t = tempDir();
  cleanups.push(t.remove);
  const hub = new EventsHub({ dataDir: t.dir, cameraName: (id) => `Cam ${id}`, notice: () => {} });
  cleanups.push(() => hub.close());
  const app = Fastify();
  registerEventRoutes(app, () => hub);
  cleanups.push(() => app.close());
  const changes: EventChange[] = [];
  hub.on('change', (c) => changes.push(c));
  for (let i = 0; i < 12; i++) {
    const cameraId = i % 2 ? 'cam2' : 'cam1';
    hub.handleTrack(track('start', i, 1000 + i * 100, { cameraId, label: i % 3 ? 'face' : 'person', zones: i === 4 ? ['door'] : [] }));
    hub.handleTrack(track('end', i, 1000 + i * 100, { cameraId, label: i % 3 ? 'face' : 'person', lastSeen: 1050 + i * 100, zones: i === 4 ? ['door'] : [] }));
  }
  return { app, hub, changes };
}

describe('event routes', () => {
  it('lists newest first with filters and cursor paging', async () => {
    const { app } = await setup();
    const all: EventPage['events'] = [];
    let url = '/api/events?limit=5';
    for (;;) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      const page = res.json() as EventPage;
      all.push(...page.events);
      if (!page.next) break;
      url = `/api/events?limit=5&cursor=${encodeURIComponent(page.next)}`;
    }
    expect(all.map((e) => e.start)).toEqual([...Array(12).keys()].map((i) => 1000 + (11 - i) * 100));
    expect(all[0]).toMatchObject({ camera: 'cam2', cameraName: 'Cam cam2', end: 2150, snapshot: `/api/events/${all[0].id}/snapshot.jpg` });
    expect(Object.keys(all[0]).sort()).toEqual(['box', 'camera', 'cameraName', 'clip', 'end', 'id', 'label', 'score', 'snapshot', 'start', 'zones']);
    const filtered = (await app.inject({ url: '/api/events?camera=cam1&label=person&after=1100&before=2000' })).json() as EventPage;
    expect(filtered.events.map((e) => e.start)).toEqual([1600]);
    const zoned = (await app.inject({ url: '/api/events?zone=door' })).json() as EventPage;
    expect(zoned.events.map((e) => e.zones)).toEqual([['door']]);
    expect((await app.inject({ url: '/api/events?limit=0' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/events?camera=../x' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/events?cursor=garbage' })).statusCode).toBe(400);
  });

  it('serves snapshot and crop JPEGs, deletes, 404 for unknown ids, 400 for path-like ones', async () => {
    const { app, changes } = await setup();
    const id = changes[0].event.id;
    const snap = await app.inject({ url: `/api/events/${id}/snapshot.jpg` });
    expect(snap.statusCode).toBe(200);
    expect(snap.headers['content-type']).toBe('image/jpeg');
    expect([...snap.rawPayload.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    expect((await app.inject({ url: `/api/events/${id}/crop.jpg` })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/events/1-abcdef/snapshot.jpg' })).statusCode).toBe(404);
    for (const bad of ['..%2F..%2Fevents.db', '1-abcdef%2F..', 'events.db', '%2Fetc%2Fpasswd']) {
      expect((await app.inject({ url: `/api/events/${bad}/snapshot.jpg` })).statusCode, bad).toBe(400);
      expect((await app.inject({ method: 'DELETE', url: `/api/events/${bad}` })).statusCode, bad).toBe(400);
    }
    // A literal '..' is resolved away before routing: it never reaches an event route.
    expect((await app.inject({ url: '/api/events/../snapshot.jpg' })).statusCode).toBe(404);
    const del = await app.inject({ method: 'DELETE', url: `/api/events/${id}` });
    expect(del.json()).toEqual({ deleted: true });
    expect((await app.inject({ method: 'DELETE', url: `/api/events/${id}` })).statusCode).toBe(404);
    expect((await app.inject({ url: `/api/events/${id}/snapshot.jpg` })).statusCode).toBe(404);
  });
});
