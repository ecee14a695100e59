import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { MqttPublisher, type MqttStatus } from '../../src/engine/events/mqtt';
import type { EventChange } from '../../src/shared/contracts/events';
import { until } from '../support/process';
import { startBroker, type Broker } from './helpers';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function subscriber(url: string, topic: string) {
  const got: { topic: string; payload: string; retain: boolean }[] = [];
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 200 });
  client.on('message', (t, p, packet) => got.push({ topic: t, payload: p.toString(), retain: packet.retain }));
  await client.subscribeAsync(topic, { qos: 1 });
  cleanups.push(() => client.endAsync(true));
  return { client, got };
}

const event = (type: EventChange['type'], end: number | null): EventChange => ({
  type,
  event: { id: '1000-abcdef', camera: 'porch', cameraName: 'Porch', label: 'face', start: 1000, end, score: 0.9, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }, zones: [], snapshot: '/api/events/1000-abcdef/snapshot.jpg' },
});

describe('MqttPublisher against a real mosquitto', () => {
  it('publishes events, retained counts and availability; says offline when it closes', async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.stop());
    const sub = await subscriber(broker.url, 'cams/#');
    const pub = new MqttPublisher({ url: broker.url, prefix: 'cams' });
    cleanups.push(() => pub.close());
    await until(() => pub.status.state === 'connected', 10_000, 'the publisher to connect');
    pub.setCount('porch', 'face', 1);
    pub.publishEvent(event('new', null));
    pub.publishEvent(event('end', 1500));
    pub.setCount('porch', 'face', 0);
    await until(() => sub.got.filter((m) => m.topic === 'cams/events').length === 2 && sub.got.some((m) => m.topic === 'cams/porch/face' && m.payload === '0'), 10_000, 'the messages');
    const events = sub.got.filter((m) => m.topic === 'cams/events').map((m) => JSON.parse(m.payload) as EventChange);
    expect(events.map((e) => e.type)).toEqual(['new', 'end']);
    expect(events[1].event).toMatchObject({ id: '1000-abcdef', camera: 'porch', end: 1500 });
    expect(sub.got.filter((m) => m.topic === 'cams/porch/face').map((m) => m.payload)).toEqual(['1', '0']);
    expect(sub.got.find((m) => m.topic === 'cams/available')?.payload).toBe('online');

    // A late subscriber gets the retained count and availability.
    const late = await subscriber(broker.url, 'cams/+/face');
    await until(() => late.got.length > 0, 5000, 'the retained count');
    expect(late.got[0]).toMatchObject({ topic: 'cams/porch/face', payload: '0', retain: true });

    await pub.close();
    await until(() => sub.got.some((m) => m.topic === 'cams/available' && m.payload === 'offline'), 5000, 'offline');
    expect(pub.status.state).toBe('closed');
  });

  it('retries a broker that goes away with backoff, never throwing, and republishes counts when it is back', async () => {
    let broker: Broker = await startBroker();
    const port = broker.port;
    cleanups.push(() => broker.stop());
    const waits: number[] = [];
    const pub = new MqttPublisher({ url: broker.url, prefix: 'm' }, (s: MqttStatus) => {
      if (s.state === 'disconnected' && s.retryAt) waits.push(s.retryAt - Date.now());
    });
    cleanups.push(() => pub.close());
    await until(() => pub.status.state === 'connected', 10_000, 'the publisher to connect');
    pub.setCount('cam', 'face', 2);
    await broker.stop();
    await until(() => pub.status.state === 'disconnected', 10_000, 'the publisher to notice');
    // Publishing while the broker is away drops the event at once, counted.
    const dropped = pub.status.dropped;
    pub.publishEvent(event('new', null));
    pub.setCount('cam', 'face', 3);
    expect(pub.status.dropped).toBe(dropped + 2);
    // Waits grow: 1 s, 2 s, 4 s...
    await until(() => waits.length >= 2, 15_000, 'a second failed attempt');
    expect(waits[0]).toBeGreaterThan(900);
    expect(waits[0]).toBeLessThanOrEqual(1000);
    expect(waits[1]).toBeGreaterThan(1900);
    expect(waits[1]).toBeLessThanOrEqual(2000);
    broker = await startBroker(port);
    const sub = await subscriber(broker.url, 'm/#');
    await until(() => pub.status.state === 'connected', 40_000, 'the publisher to reconnect');
    await until(() => sub.got.some((m) => m.topic === 'm/cam/face' && m.payload === '3'), 5000, 'the count again');
    expect(sub.got.some((m) => m.topic === 'm/available' && m.payload === 'online')).toBe(true);
  }, 90_000);
});
