import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { MqttPublisher, type MqttStatus } from '../../src/engine/events/mqtt';
import { watchPacketSizes } from '../../src/engine/events/mqtt-packet-limit';
import { PassThrough } from 'node:stream';
import { until, untilValue } from '../support/process';
import { brokerKind, startBroker, type Broker } from '../support/mqtt-broker';

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

describe(`MqttPublisher against a real broker (${brokerKind()})`, () => {
  it('publishes plain and retained messages and availability; clears retained ones; says offline when it closes', async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.stop());
    const sub = await subscriber(broker.url, 'cams/#');
    const pub = new MqttPublisher({ url: broker.url, prefix: 'cams' });
    cleanups.push(() => pub.close());
    await until(() => pub.status.state === 'connected', 10_000, 'the publisher to connect');
    pub.retain('cams/porch/face', '1');
    pub.publishOnce('cams/events', JSON.stringify({ type: 'new' }));
    pub.publishOnce('cams/events', JSON.stringify({ type: 'end' }));
    pub.retain('cams/porch/face', '1'); // unchanged: not sent again
    pub.retain('cams/porch/face', '0');
    pub.retain('cams/porch/face/snapshot', Buffer.from([0xff, 0xd8, 1, 2]));
    await until(() => sub.got.filter((m) => m.topic === 'cams/events').length === 2 && sub.got.some((m) => m.topic === 'cams/porch/face' && m.payload === '0'), 10_000, 'the messages');
    expect(sub.got.filter((m) => m.topic === 'cams/events').map((m) => JSON.parse(m.payload).type)).toEqual(['new', 'end']);
    expect(sub.got.filter((m) => m.topic === 'cams/porch/face').map((m) => m.payload)).toEqual(['1', '0']);
    expect(sub.got.find((m) => m.topic === 'cams/available')?.payload).toBe('online');

    // A late subscriber gets the retained count and availability.
    const late = await subscriber(broker.url, 'cams/+/face');
    await until(() => late.got.length > 0, 5000, 'the retained count');
    expect(late.got[0]).toMatchObject({ topic: 'cams/porch/face', payload: '0', retain: true });

    // Cleared: the broker keeps nothing for it.
    pub.clear('cams/porch/face/snapshot');
    await until(() => sub.got.some((m) => m.topic === 'cams/porch/face/snapshot' && m.payload === ''), 5000, 'the empty retained message');
    const later = await subscriber(broker.url, 'cams/#');
    await until(() => later.got.some((m) => m.topic === 'cams/porch/face'), 5000, 'the retained state');
    expect(later.got.some((m) => m.topic === 'cams/porch/face/snapshot')).toBe(false);

    await pub.close();
    await until(() => sub.got.some((m) => m.topic === 'cams/available' && m.payload === 'offline'), 5000, 'offline');
    expect(pub.status.state).toBe('closed');
  });

  it('retries a broker that goes away with backoff, never throwing, and republishes retained state when it is back', async () => {
    let broker: Broker = await startBroker();
    const port = broker.port;
    cleanups.push(() => broker.stop());
    const waits: number[] = [];
    const pub = new MqttPublisher({ url: broker.url, prefix: 'm' }, (s: MqttStatus) => {
      if (s.state === 'disconnected' && s.retryAt) waits.push(s.retryAt - Date.now());
    });
    cleanups.push(() => pub.close());
    await until(() => pub.status.state === 'connected', 10_000, 'the publisher to connect');
    pub.retain('m/cam/face', '2');
    await broker.stop();
    await until(() => pub.status.state === 'disconnected', 10_000, 'the publisher to notice');
    // Publishing while the broker is away drops the event at once, counted.
    const dropped = pub.status.dropped;
    pub.publishOnce('m/events', '{}');
    pub.retain('m/cam/face', '3');
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

  it('closes after a broker died with a message unacknowledged, and when the broker is away at close', async () => {
    let broker: Broker = await startBroker();
    const port = broker.port;
    cleanups.push(() => broker.stop());
    // A frozen broker reads nothing and acknowledges nothing: the count stays in flight when it dies.
    const dieWithCountInFlight = async (pub: MqttPublisher) => {
      await until(() => pub.status.state === 'connected', 40_000, 'the publisher to connect');
      broker.child.kill('SIGSTOP');
      pub.retain('cam/face', '1');
      broker.child.kill('SIGKILL');
      await broker.stop();
      await until(() => pub.status.state === 'disconnected', 10_000, 'the publisher to notice');
    };
    const closes = async (pub: MqttPublisher, what: string) => {
      let closed = false;
      void pub.close().then(() => (closed = true));
      await until(() => closed, 20_000, what);
      expect(pub.status.state).toBe('closed');
    };

    const pub = new MqttPublisher({ url: broker.url, prefix: 'f' });
    await dieWithCountInFlight(pub);
    broker = await startBroker(port);
    const sub = await subscriber(broker.url, 'f/#');
    await until(() => pub.status.state === 'connected', 40_000, 'the publisher to reconnect');
    await closes(pub, 'close() after reconnecting to finish');
    await until(() => sub.got.some((m) => m.topic === 'f/available' && m.payload === 'offline'), 10_000, 'offline');

    // The same with the broker gone at close: there is no one to say offline to, and close() still ends.
    const second = new MqttPublisher({ url: broker.url, prefix: 'g' });
    await dieWithCountInFlight(second);
    await closes(second, 'close() with the broker away to finish');
  }, 120_000);
});

/**
 * A hostile broker on 127.0.0.1: answers CONNECT with CONNACK, then sends a PUBLISH whose header
 * declares the protocol's largest length (268,435,455 bytes) and streams its body as fast as the
 * client reads. Counts what each connection took before it was closed.
 */
async function hostileBroker() {
  const taken: Array<{ bytes: number; closed: boolean }> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const record = { bytes: 0, closed: false };
    taken.push(record);
    socket.on('error', () => {});
    socket.on('close', () => {
      record.closed = true;
      sockets.delete(socket);
    });
    socket.once('data', () => {
      socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
      socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]));
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        // Bounded: never more than the declared length.
        while (!record.closed && record.bytes < 268_435_455) {
          record.bytes += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    taken,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('MqttPublisher against a hostile broker', () => {
  it('closes a connection whose PUBLISH declares 268 MB as soon as the header says so, on every connection', async () => {
    const broker = await hostileBroker();
    cleanups.push(() => broker.stop());
    const rssBefore = process.memoryUsage().rss;
    const errors: string[] = [];
    const pub = new MqttPublisher({ url: broker.url, prefix: 'h' }, (s) => s.error && errors.push(s.error));
    cleanups.push(() => pub.close());
    // The first connection, then the one the backoff retries a second later: both cut short.
    await untilValue('two connections closed', () => broker.taken.length >= 2 && broker.taken[0].closed && broker.taken[1].closed, 30_000);
    expect(errors.some((e) => /the broker sent a packet of 268435460 bytes; at most 64 KB is accepted/.test(e))).toBe(true);
    for (const connection of broker.taken.slice(0, 2)) expect(connection.bytes).toBeLessThan(32 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
    expect(pub.status.state).not.toBe('connected');
  }, 60_000);
});

describe('the packet size watch', () => {
  it('follows packets across chunk boundaries and stops at the first header over the limit', () => {
    const stream = new PassThrough();
    const over: number[] = [];
    watchPacketSizes(stream, 200, (n) => over.push(n));
    // CONNACK, then a PUBACK split inside its header, a 150-byte PUBLISH split in its body, then a 300-byte one.
    const publish = (length: number) => [0x30, ...(length < 128 ? [length] : [(length & 0x7f) | 0x80, length >> 7])];
    const chunks = [[0x20, 0x02, 0, 0, 0x40], [0x02, 0, 1, ...publish(147)], new Array(100).fill(7), [...new Array(47).fill(7), ...publish(297).slice(0, 2)], [publish(297)[2]]];
    for (const c of chunks) stream.write(Buffer.from(c));
    expect(over).toEqual([300]);
  });
});
