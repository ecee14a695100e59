/**
 * Events in serve mode, end to end: a real serve process with a real camera worker, frames of a
 * face pushed over the WebSocket, events pushed back over it, the HTTP API behind the token, and a
 * real MQTT broker (mosquitto, else aedes: test/support/mqtt-broker.ts) that sees new, then end,
 * and `available` going offline when serve mode stops.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { decodeImage, toModelFrame } from '../../src/node/images';
import { encodeFrame } from '../../src/shared/contracts/frames';
import type { EventChange, EventPage } from '../../src/shared/contracts/events';
import { ROOT, startServe, TestClient, type ServeProcess } from '../serve/helpers';
import { sleep, until } from '../support/process';
import { brokerKind, startBroker, type Broker } from '../support/mqtt-broker';
import { tempDir } from './helpers';

const face = toModelFrame(decodeImage(path.join(ROOT, 'test', 'fixtures', 'astronaut.png')), 128, 128);
const noFace = toModelFrame(decodeImage(path.join(ROOT, 'test', 'fixtures', 'rocket.jpg')), 128, 128);

let serve: ServeProcess;
let broker: Broker;
let client: TestClient;
let sub: mqtt.MqttClient;
const mqttSeen: { topic: string; payload: string; bytes: Buffer }[] = [];
/** MQTT's events, as Frigate shapes them. */
type MqttEvent = { type: EventChange['type']; before: EventChange['event']; after: EventChange['event'] };
const data = tempDir('multicam-events-data-');

beforeAll(async () => {
  broker = await startBroker();
  sub = await mqtt.connectAsync(broker.url);
  sub.on('message', (topic, payload) => mqttSeen.push({ topic, payload: payload.toString(), bytes: payload }));
  await sub.subscribeAsync(['cams/#', 'homeassistant/#'], { qos: 1 });
  serve = await startServe(
    {
      cameras: [{ id: 'porch', name: 'Porch', source: { kind: 'external' } }],
      events: { retentionDays: 30, retentionMB: 100, mqtt: { url: broker.url, prefix: 'cams' } },
    },
    ['--data', data.dir],
  );
  client = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
  await until(() => mqttSeen.some((m) => m.topic === 'cams/available' && m.payload === 'online'), 30_000, 'serve mode online on MQTT');
}, 60_000);

afterAll(async () => {
  client?.socket.close();
  if (serve && serve.child.exitCode === null) serve.kill();
  await sub?.endAsync(true);
  await broker?.stop();
  data.remove();
});

const api = (p: string, init: RequestInit = {}, auth = true) =>
  fetch(`${serve.base}${p}`, { ...init, headers: auth ? { Authorization: `Bearer ${serve.token}` } : {} });

let frameId = 1;
async function show(frame: typeof face, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    client.socket.send(encodeFrame({ type: 'frame', cameraId: 'porch', frameId: frameId++, ...frame, data: new Uint8Array(frame.data), acceptedAt: Date.now() }));
    await sleep(40);
  }
}

const pushed = (): EventChange[] => client.events('event').flatMap((e) => (e.type === 'event' ? [e.change] : []));

describe(`events in serve mode (MQTT broker: ${brokerKind()})`, () => {
  it('a face appearance is pushed over the WebSocket and MQTT as new, then end', async () => {
    await until(() => client.events('snapshot').some((e) => e.type === 'snapshot' && e.snapshot.cameras.some((c) => c.id === 'porch' && c.state === 'running')), 60_000, 'the camera to run');
    await show(face, 1500);
    await show(noFace, 3000);
    await until(() => pushed().some((c) => c.type === 'end'), 10_000, 'the end pushed');
    expect(pushed().map((c) => c.type).filter((t) => t !== 'update')).toEqual(['new', 'end']);
    await until(() => mqttSeen.filter((m) => m.topic === 'cams/events').length >= 2, 10_000, 'MQTT events');
    const onMqtt = mqttSeen.filter((m) => m.topic === 'cams/events').map((m) => JSON.parse(m.payload) as MqttEvent);
    expect(onMqtt.map((c) => c.type).filter((t) => t !== 'update')).toEqual(['new', 'end']);
    expect(onMqtt[0].after).toMatchObject({ camera: 'porch', cameraName: 'Porch', label: 'face', end: null });
    expect(onMqtt.at(-1)!.before).toMatchObject({ id: onMqtt[0].after.id, end: null });
    expect(onMqtt.at(-1)!.after).toMatchObject({ id: onMqtt[0].after.id, end: expect.any(Number) });
    // The retained count starts at 0 when serve mode comes up, then follows the event.
    expect(mqttSeen.filter((m) => m.topic === 'cams/porch/face').map((m) => m.payload)).toEqual(['0', '1', '0']);
    // The event's snapshot, as JPEG bytes.
    expect(mqttSeen.find((m) => m.topic === 'cams/porch/face/snapshot')?.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  }, 120_000);

  it('the API lists, filters, pages, serves snapshots and deletes, behind the token', async () => {
    await show(face, 1500); // a second appearance: a second event
    await show(noFace, 3000);
    await until(() => pushed().filter((c) => c.type === 'end').length === 2, 10_000, 'the second end');

    const all = (await (await api('/api/events')).json()) as EventPage;
    expect(all.events).toHaveLength(2);
    expect(all.events[0].start).toBeGreaterThan(all.events[1].start);
    expect(all.events[0]).toMatchObject({ camera: 'porch', cameraName: 'Porch', label: 'face', snapshot: `/api/events/${all.events[0].id}/snapshot.jpg` });
    const first = (await (await api('/api/events?limit=1')).json()) as EventPage;
    expect(first.events.map((e) => e.id)).toEqual([all.events[0].id]);
    const second = (await (await api(`/api/events?limit=1&cursor=${encodeURIComponent(first.next!)}`)).json()) as EventPage;
    expect(second).toEqual({ events: [all.events[1]], next: null, total: 2 });
    expect(((await (await api('/api/events?camera=elsewhere')).json()) as EventPage).events).toEqual([]);
    expect(((await (await api('/api/events?label=person')).json()) as EventPage).events).toEqual([]);
    expect(((await (await api(`/api/events?after=${all.events[0].start}`)).json()) as EventPage).events).toHaveLength(1);

    const snap = await api(all.events[0].snapshot!);
    expect(snap.status).toBe(200);
    expect(snap.headers.get('content-type')).toBe('image/jpeg');
    expect((await api(`/api/events/${all.events[0].id}/crop.jpg`)).status).toBe(200);

    expect((await api('/api/events', {}, false)).status).toBe(401);
    expect((await api(all.events[0].snapshot!, {}, false)).status).toBe(401);
    expect((await api('/api/events/1-abcdef/snapshot.jpg')).status).toBe(404);
    expect((await api('/api/events/..%2Fevents.db/snapshot.jpg')).status).toBe(400);
    expect((await api('/api/events/..%2F..%2Fconfig.json', { method: 'DELETE' })).status).toBe(400);
    expect((await api('/api/events/bad.id', { method: 'DELETE' })).status).toBe(400);

    expect((await api(`/api/events/${all.events[1].id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/api/events/${all.events[1].id}`, { method: 'DELETE' })).status).toBe(404);
    expect(((await (await api('/api/events')).json()) as EventPage).events).toHaveLength(1);
  }, 120_000);

  it('appears in Home Assistant by discovery, and MQTT detect/set switches the camera\'s events, saved and answered', async () => {
    const config = mqttSeen.find((m) => m.topic === 'homeassistant/switch/multicam_cams_porch/detect/config');
    expect(JSON.parse(config!.payload)).toMatchObject({ command_topic: 'cams/porch/detect/set', state_topic: 'cams/porch/detect/state', device: { name: 'Porch', model: 'face-short' } });
    expect(mqttSeen.some((m) => m.topic === 'homeassistant/binary_sensor/multicam_cams_porch/face_occupancy/config')).toBe(true);
    expect(mqttSeen.filter((m) => m.topic === 'cams/porch/detect/state').map((m) => m.payload)).toEqual(['ON']);
    await sub.publishAsync('cams/porch/detect/set', 'OFF', { qos: 1 });
    await until(() => mqttSeen.some((m) => m.topic === 'cams/porch/detect/state' && m.payload === 'OFF'), 10_000, 'the OFF answer');
    const saved = await client.request({ method: 'getConfig' });
    expect(saved.ok && (saved.value as { cameras: { id: string; events?: { enabled: boolean } }[] }).cameras.find((c) => c.id === 'porch')?.events?.enabled).toBe(false);
    // With events off, a face makes no event; switched on again, the same face does: one event in all.
    const before = pushed().filter((c) => c.type === 'new').length;
    await show(face, 1500);
    await show(noFace, 500);
    await sub.publishAsync('cams/porch/detect/set', 'ON', { qos: 1 });
    await until(() => mqttSeen.filter((m) => m.topic === 'cams/porch/detect/state').at(-1)?.payload === 'ON', 10_000, 'the ON answer');
    await show(face, 1500);
    await show(noFace, 3000);
    await until(() => pushed().filter((c) => c.type === 'end').length >= 3, 10_000, 'the event after ON');
    expect(pushed().filter((c) => c.type === 'new').length).toBe(before + 1);
  }, 60_000);

  it('MQTT availability goes offline when serve mode stops', async () => {
    expect(await serve.terminate()).toBe(0);
    await until(() => mqttSeen.some((m) => m.topic === 'cams/available' && m.payload === 'offline'), 10_000, 'offline');
  }, 60_000);
});
