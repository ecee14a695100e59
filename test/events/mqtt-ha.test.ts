/**
 * MQTT the Frigate way and Home Assistant discovery, against a real broker (mosquitto, else aedes):
 * the EventsHub with a real store publishes; a separate client subscribes as Home Assistant would,
 * sees the discovery configs (checked against Home Assistant's documented required keys), the
 * state changes and the snapshot's bytes, and sends commands.
 */
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { EventsHub } from '../../src/engine/events/hub';
import type { BridgeCamera } from '../../src/engine/events/mqtt-bridge';
import { cameraSlugs } from '../../src/engine/events/mqtt-topics';
import { until } from '../support/process';
import { brokerKind, startBroker } from '../support/mqtt-broker';
import { smallJpeg, tempDir, track } from './helpers';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Seen {
  topic: string;
  payload: Buffer;
  retain: boolean;
}

async function subscriber(url: string, topics: string[]) {
  const got: Seen[] = [];
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 200 });
  client.on('message', (topic, payload, packet) => got.push({ topic, payload, retain: packet.retain }));
  await client.subscribeAsync(topics, { qos: 1 });
  cleanups.push(() => client.endAsync(true));
  const text = (topic: string) => got.filter((m) => m.topic === topic).map((m) => m.payload.toString());
  return { client, got, text };
}

/**
 * Required keys per component, from Home Assistant's MQTT integration docs
 * (home-assistant.io/integrations/binary_sensor.mqtt, sensor.mqtt, switch.mqtt, image.mqtt, and the
 * discovery section of /integrations/mqtt): state_topic for binary_sensor and sensor, command_topic
 * for switch, exactly one of image_topic and url_topic for image; a device needs identifiers or
 * connections; entities in a device need a unique_id. Discovery topics are
 * <discovery_prefix>/<component>/[<node_id>/]<object_id>/config with ids of [a-zA-Z0-9_-].
 */
const REQUIRED: Record<string, string[]> = {
  binary_sensor: ['state_topic'],
  sensor: ['state_topic'],
  switch: ['command_topic'],
  image: [],
};

function checkDiscovery(topic: string, config: Record<string, unknown>): void {
  const m = /^homeassistant\/(binary_sensor|sensor|switch|image)\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\/config$/.exec(topic);
  expect(m, `discovery topic ${topic}`).not.toBeNull();
  const component = m![1];
  for (const key of REQUIRED[component]) expect(typeof config[key], `${topic}: ${key}`).toBe('string');
  if (component === 'image') expect(['image_topic' in config, 'url_topic' in config].filter(Boolean)).toHaveLength(1);
  expect(typeof config.unique_id).toBe('string');
  const device = config.device as { identifiers?: unknown; connections?: unknown; name?: unknown };
  expect(Array.isArray(device.identifiers) && device.identifiers.length > 0).toBe(true);
  expect(typeof device.name).toBe('string');
  expect(config.availability_topic).toBe('cams/available');
  // Every topic it names is one this app publishes or listens on: no wildcards.
  for (const key of ['state_topic', 'command_topic', 'image_topic', 'availability_topic']) if (key in config) expect(String(config[key])).not.toMatch(/[+#]/);
}

async function setup(options: { homeAssistant?: boolean } = {}) {
  const broker = await startBroker();
  cleanups.push(() => broker.stop());
  const data = tempDir();
  cleanups.push(data.remove);
  const logs: string[] = [];
  const detectCalls: [string, boolean][] = [];
  let cameras: BridgeCamera[] = [
    { id: 'cam1', name: 'Front door', model: 'objects', labels: ['person', 'car'], detect: true },
    { id: 'cam2', name: 'Front Door!', model: 'face-short', labels: ['face'], detect: true },
  ];
  const hub: EventsHub = new EventsHub({
    dataDir: data.dir,
    cameraName: (id) => cameras.find((c) => c.id === id)?.name ?? id,
    notice: () => {},
    settings: { retentionDays: 30, retentionMB: 100, mqtt: { url: broker.url, prefix: 'cams', homeAssistant: options.homeAssistant ?? true, discoveryPrefix: 'homeassistant' } },
    log: (line) => logs.push(line),
    // As the host does: the camera's events switched, the configuration saved, the cameras given again.
    setDetect: async (id, on) => {
      detectCalls.push([id, on]);
      cameras = cameras.map((c) => (c.id === id ? { ...c, detect: on } : c));
      hub.setCameras(cameras);
    },
  });
  cleanups.push(() => hub.close());
  hub.setCameras(cameras);
  await until(() => hub.status().mqtt?.state === 'connected', 20_000, 'MQTT to connect');
  return { broker, hub, logs, detectCalls, cameras: () => cameras, setCameras: (next: BridgeCamera[]) => ((cameras = next), hub.setCameras(next)) };
}

describe('camera slugs', () => {
  it('are lowercase names, unique among the cameras, never a reserved topic', () => {
    const slugs = cameraSlugs([
      { id: 'a', name: 'Front door' },
      { id: 'b', name: 'Front Door!' },
      { id: 'c', name: 'front/door' },
      { id: 'd', name: 'Events' },
      { id: 'e', name: '###' },
      { id: 'f', name: 'Caméra Été' },
    ]);
    expect([...slugs.values()]).toEqual(['front_door', 'front_door_2', 'front_door_3', 'events_camera', '_', 'camera_ete']);
    // Removing the first keeps the others' topics where they were; a renamed camera gets its new name's.
    const after = cameraSlugs([{ id: 'b', name: 'Front Door!' }, { id: 'c', name: 'front/door' }, { id: 'e', name: 'Garage' }], slugs);
    expect([...after.values()]).toEqual(['front_door_2', 'front_door_3', 'garage']);
  });
});

describe(`MQTT topics and Home Assistant discovery against a real broker (${brokerKind()})`, () => {
  it('publishes discovery for one device per camera, counts, snapshot bytes and events {type, before, after}', async () => {
    const { broker, hub } = await setup();
    const ha = await subscriber(broker.url, ['homeassistant/#', 'cams/#']);
    await until(() => ha.got.filter((m) => m.topic.startsWith('homeassistant/')).length >= 1 + 3 * 2 + 1 + 3, 10_000, 'the discovery configs');
    const configs = new Map(ha.got.filter((m) => m.topic.startsWith('homeassistant/')).map((m) => [m.topic, JSON.parse(m.payload.toString()) as Record<string, unknown>]));
    for (const [topic, config] of configs) checkDiscovery(topic, config);
    expect([...configs.keys()].filter((t) => t.includes('/multicam_cams_cam1/')).sort()).toEqual(
      [
        'homeassistant/binary_sensor/multicam_cams_cam1/car_occupancy/config',
        'homeassistant/binary_sensor/multicam_cams_cam1/person_occupancy/config',
        'homeassistant/image/multicam_cams_cam1/car_snapshot/config',
        'homeassistant/image/multicam_cams_cam1/person_snapshot/config',
        'homeassistant/sensor/multicam_cams_cam1/car_count/config',
        'homeassistant/sensor/multicam_cams_cam1/person_count/config',
        'homeassistant/switch/multicam_cams_cam1/detect/config',
      ].sort(),
    );
    const occupancy = configs.get('homeassistant/binary_sensor/multicam_cams_cam1/person_occupancy/config')!;
    expect(occupancy).toMatchObject({ name: 'Person occupancy', device_class: 'occupancy', state_topic: 'cams/front_door/person', device: { identifiers: ['multicam_cams_cam1'], name: 'Front door', model: 'objects' } });
    expect(configs.get('homeassistant/image/multicam_cams_cam1/person_snapshot/config')).toMatchObject({ image_topic: 'cams/front_door/person/snapshot', content_type: 'image/jpeg' });
    expect(configs.get('homeassistant/switch/multicam_cams_cam2/detect/config')).toMatchObject({ command_topic: 'cams/front_door_2/detect/set', state_topic: 'cams/front_door_2/detect/state' });
    // State before any event: counts 0, detection on, retained.
    await until(() => ha.text('cams/front_door/person').length > 0 && ha.text('cams/front_door/detect/state').length > 0, 10_000, 'the initial state');
    expect(ha.text('cams/front_door/person')).toEqual(['0']);
    expect(ha.text('cams/front_door/detect/state')).toEqual(['ON']);
    expect(ha.got.find((m) => m.topic === 'cams/available')?.payload.toString()).toBe('online');

    const picture = smallJpeg(40, 30, 90);
    hub.handleTrack({ ...track('start', 1, 1000, { cameraId: 'cam1', label: 'person', score: 0.6 }), snapshot: picture });
    hub.handleTrack(track('update', 1, 1500, { cameraId: 'cam1', label: 'person', score: 0.8 }, false));
    hub.handleTrack(track('end', 1, 2000, { cameraId: 'cam1', label: 'person', score: 0.8 }));
    await until(() => ha.text('cams/events').length === 3 && ha.text('cams/front_door/person').includes('1') && ha.text('cams/front_door/person').at(-1) === '0', 10_000, 'the event on MQTT');
    expect(ha.text('cams/front_door/person')).toEqual(['0', '1', '0']);
    const events = ha.text('cams/events').map((t) => JSON.parse(t));
    expect(events.map((e) => e.type)).toEqual(['new', 'update', 'end']);
    expect(events[0].before).toEqual(events[0].after);
    expect(events[1].before).toMatchObject({ score: 0.6 });
    expect(events[1].after).toMatchObject({ camera: 'cam1', cameraName: 'Front door', label: 'person', score: 0.8, end: null });
    expect(events[2].before).toMatchObject({ score: 0.8, end: null });
    expect(events[2].after).toMatchObject({ end: 2000 });
    const snapshot = ha.got.find((m) => m.topic === 'cams/front_door/person/snapshot')!;
    expect(Buffer.compare(snapshot.payload, Buffer.from(picture))).toBe(0);

    // A late subscriber (Home Assistant starting later) gets the snapshot's bytes, retained.
    const late = await subscriber(broker.url, ['cams/front_door/person/snapshot']);
    await until(() => late.got.length > 0, 5000, 'the retained snapshot');
    expect(late.got[0].retain).toBe(true);
    expect(Buffer.compare(late.got[0].payload, Buffer.from(picture))).toBe(0);
  });

  it('answers detect/set on detect/state; a bad payload or an unknown camera gets a log line and changes nothing', async () => {
    const { broker, logs, detectCalls } = await setup();
    const ha = await subscriber(broker.url, ['cams/+/detect/state']);
    await until(() => ha.text('cams/front_door/detect/state').length > 0, 10_000, 'the retained state');
    await ha.client.publishAsync('cams/front_door/detect/set', 'MAYBE', { qos: 1 });
    await ha.client.publishAsync('cams/back_yard/detect/set', 'OFF', { qos: 1 });
    await ha.client.publishAsync('cams/front_door/detect/set', 'OFF', { qos: 1 });
    await until(() => ha.text('cams/front_door/detect/state').includes('OFF'), 10_000, 'the OFF answer');
    expect(detectCalls).toEqual([['cam1', false]]);
    expect(logs).toContain('MQTT: cams/front_door/detect/set ignored: the payload must be ON or OFF, not "MAYBE"');
    expect(logs.some((l) => /cams\/back_yard\/detect\/set ignored: no camera is named back_yard \(cameras: front_door, front_door_2\)/.test(l))).toBe(true);
    // The other camera is untouched; a command that changes nothing is still answered.
    expect(ha.text('cams/front_door_2/detect/state')).toEqual(['ON']);
    const answers = ha.text('cams/front_door/detect/state').length;
    await ha.client.publishAsync('cams/front_door/detect/set', 'OFF', { qos: 1 });
    await until(() => ha.text('cams/front_door/detect/state').length > answers, 10_000, 'the second answer');
    expect(ha.text('cams/front_door/detect/state').at(-1)).toBe('OFF');
    await ha.client.publishAsync('cams/front_door/detect/set', 'ON', { qos: 1 });
    await until(() => ha.text('cams/front_door/detect/state').at(-1) === 'ON', 10_000, 'the ON answer');
    expect(detectCalls).toEqual([['cam1', false], ['cam1', false], ['cam1', true]]);
  });

  it('publishes motion ON/OFF once a camera reports it, with its entity; republishes when Home Assistant comes online; a removed camera leaves nothing retained', async () => {
    const { broker, hub, cameras, setCameras } = await setup();
    const ha = await subscriber(broker.url, ['homeassistant/#', 'cams/#']);
    await until(() => ha.text('homeassistant/switch/multicam_cams_cam1/detect/config').length === 1, 10_000, 'the first configs');
    hub.setMotion('cam1', undefined);
    hub.setMotion('cam1', true);
    hub.setMotion('cam1', true);
    hub.setMotion('cam1', false);
    await until(() => ha.text('cams/front_door/motion').length === 2, 10_000, 'motion');
    expect(ha.text('cams/front_door/motion')).toEqual(['ON', 'OFF']);
    const motionConfig = JSON.parse(ha.text('homeassistant/binary_sensor/multicam_cams_cam1/motion/config')[0]);
    checkDiscovery('homeassistant/binary_sensor/multicam_cams_cam1/motion/config', motionConfig);
    expect(motionConfig).toMatchObject({ device_class: 'motion', state_topic: 'cams/front_door/motion' });
    expect(ha.text('cams/front_door_2/motion')).toEqual([]);

    // Home Assistant restarts: its birth message brings every config again.
    await ha.client.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await until(() => ha.text('homeassistant/switch/multicam_cams_cam1/detect/config').length === 2, 10_000, 'the configs again');
    expect(ha.text('homeassistant/image/multicam_cams_cam2/face_snapshot/config')).toHaveLength(2);

    // cam1 removed: each of its configs and retained states is emptied; cam2 keeps its own.
    const cam1Configs = [...new Set(ha.got.filter((m) => m.topic.includes('/multicam_cams_cam1/')).map((m) => m.topic))];
    setCameras(cameras().filter((c) => c.id !== 'cam1'));
    await until(() => cam1Configs.every((t) => ha.text(t).at(-1) === ''), 10_000, 'empty configs for the removed camera');
    const late = await subscriber(broker.url, ['homeassistant/#', 'cams/#']);
    await until(() => late.got.some((m) => m.topic === 'homeassistant/switch/multicam_cams_cam2/detect/config'), 10_000, 'the retained configs');
    expect(late.got.filter((m) => m.topic.includes('multicam_cams_cam1') || m.topic.startsWith('cams/front_door/'))).toEqual([]);
  });

  it('with discovery off publishes no configs and removes those an earlier start made', async () => {
    const first = await setup();
    const ha = await subscriber(first.broker.url, ['homeassistant/#']);
    await until(() => ha.got.length > 0, 10_000, 'configs');
    await first.hub.applySettings({ retentionDays: 30, retentionMB: 100, mqtt: { url: first.broker.url, prefix: 'cams', homeAssistant: false, discoveryPrefix: 'homeassistant' } });
    await until(() => ha.got.some((m) => m.payload.length === 0), 10_000, 'configs emptied');
    const late = await subscriber(first.broker.url, ['homeassistant/#', 'cams/+/detect/state']);
    await until(() => late.got.some((m) => m.topic === 'cams/front_door/detect/state'), 10_000, 'the state');
    expect(late.got.filter((m) => m.topic.startsWith('homeassistant/'))).toEqual([]);
  });
});
