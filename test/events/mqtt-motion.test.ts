/**
 * MQTT motion from a real engine-side camera: real worker, real ffmpeg, the real face model, a
 * clip made at test time (a still picture, then a picture panning over a face, then that face
 * standing still), and a real broker. The worker's motion stats reach the engine's snapshot, and
 * from there PREFIX/CAMERA/motion says ON while the picture pans and OFF once it stands still,
 * with the camera's motion entity in Home Assistant discovery.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { makeStillFaceClip } from '../support/clips';
import { until } from '../support/process';
import { brokerKind, startBroker } from '../support/mqtt-broker';
import { fileCameraHost } from './file-camera';
import { tempDir } from './helpers';

let clipDir: { dir: string; remove: () => void };
let clip: string;
beforeAll(() => {
  clipDir = tempDir('multicam-mqtt-motion-clip-');
  clip = makeStillFaceClip(resolveFfmpeg().path, clipDir.dir, 6);
}, 180_000);
afterAll(() => clipDir?.remove());

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe(`MQTT motion from an engine-side camera (${brokerKind()})`, () => {
  it('publishes PREFIX/CAMERA/motion ON while the picture moves and OFF once it is still, with its discovery config', async () => {
    const broker = await startBroker();
    cleanups.push(() => broker.stop());
    const seen: { topic: string; payload: string }[] = [];
    const sub = await mqtt.connectAsync(broker.url);
    cleanups.push(() => sub.endAsync(true));
    sub.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await sub.subscribeAsync(['multicam/clip/motion', 'homeassistant/binary_sensor/+/motion/config'], { qos: 1 });

    const host = fileCameraHost(clip, false, {}, cleanups, { events: { mqtt: { url: broker.url } } });
    host.start();
    const motion = () => seen.filter((m) => m.topic === 'multicam/clip/motion').map((m) => m.payload);
    await until(() => motion().includes('ON'), 120_000, 'motion ON');
    await until(() => motion().lastIndexOf('OFF') > motion().indexOf('ON'), 120_000, 'motion OFF after it');
    const config = seen.find((m) => m.topic === 'homeassistant/binary_sensor/multicam_multicam_clip/motion/config');
    expect(JSON.parse(config!.payload)).toMatchObject({ state_topic: 'multicam/clip/motion', device_class: 'motion', device: { name: 'Clip' } });
    // Only ON and OFF, and never the same twice in a row.
    for (const [i, p] of motion().entries()) {
      expect(['ON', 'OFF']).toContain(p);
      if (i > 0) expect(p).not.toBe(motion()[i - 1]);
    }
  }, 240_000);
});
