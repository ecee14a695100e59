/**
 * Snapshots carry a source's kind and label, never its URL, credentials, path or data: the config
 * (get-config, masked) is where a renderer finds the source itself.
 */
import { silentLogger } from '../../src/engine/logger';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { summarizeSource, tellable } from '../../src/engine/status';
import { EngineSnapshot, type ApiEvent } from '../../src/shared/contracts/engine-api';
import { FACE_MJPEG, TEST_FIXTURES } from '../support/clips';
import { tempDir } from '../support/tmp';

const PASSWORD = 's3cr3t-Pw';
const STREAM_URL = `rtsp://admin:${PASSWORD}@127.0.0.1:9/private/stream1?token=abc123`;
const PNG = readFileSync(path.join(TEST_FIXTURES, 'astronaut.png'));

describe('a source as a snapshot shows it', () => {
  it('names the source for people and keeps out URL, credentials, directories and data', () => {
    expect(summarizeSource({ kind: 'stream', url: STREAM_URL })).toEqual({ kind: 'stream', label: 'rtsp 127.0.0.1:9' });
    expect(summarizeSource({ kind: 'file', path: '/srv/private/door.mp4', loop: true })).toEqual({ kind: 'file', label: 'door.mp4' });
    expect(summarizeSource({ kind: 'file', path: 'C:\\clips\\door.mp4' }).label).toBe('door.mp4');
    expect(summarizeSource({ kind: 'device', path: '/dev/video0' })).toEqual({ kind: 'device', label: 'video0' });
    expect(summarizeSource({ kind: 'webcam', deviceId: 'abc', label: 'Logitech C920' })).toEqual({ kind: 'webcam', label: 'Logitech C920' });
    expect(summarizeSource({ kind: 'webcam' })).toEqual({ kind: 'webcam', label: 'default camera' });
    expect(summarizeSource({ kind: 'image', url: `media:${'a'.repeat(64)}.png` }).label).not.toContain('media:');
    expect(summarizeSource({ kind: 'image', url: 'data:image/png;base64,AAAA' }).label).not.toContain('base64');
    expect(summarizeSource({ kind: 'video', url: 'https://u:pw@cams.example/clips/yard%20cam.mp4?sig=xyz' })).toEqual({ kind: 'video', label: 'yard cam.mp4' });
    expect(summarizeSource({ kind: 'external' }).kind).toBe('external');
  });

  it("shortens the URLs and paths ffmpeg quotes in a camera's reason", () => {
    const stream = { kind: 'stream', url: 'rtsp://admin:pw@10.0.0.2:554/private/stream1?token=abc' } as const;
    expect(tellable('rtsp://admin:***@10.0.0.2:554/private/stream1?token=abc: Connection refused (3 tries)', stream)).toBe('rtsp 10.0.0.2:554: Connection refused (3 tries)');
    // A quote or a space in the user or password does not cut the URL short: the camera's own URL goes whole.
    const quoted = { kind: 'stream', url: `rtsp://o'brien:a b"c%09d@127.0.0.1:5554/s` } as const;
    expect(tellable(`[concat] Impossible to open '${quoted.url}'`, quoted)).toBe("[concat] Impossible to open 'rtsp 127.0.0.1:5554'");
    expect(tellable(`rtsp://o'brien:***@127.0.0.1:5554/s: Connection refused`, quoted)).toBe('rtsp 127.0.0.1:5554: Connection refused');
    const file = { kind: 'file', path: '/srv/clips/door.mp4', loop: true, realtime: true } as const;
    expect(tellable('/srv/clips/door.mp4: No such file or directory', file)).toBe('door.mp4: No such file or directory');
    expect(tellable('no picture for 10 s', file)).toBe('no picture for 10 s');
  });

  it('the snapshot schema refuses a camera whose source carries more than kind and label', () => {
    const snapshot = { at: 1, cores: 2, capacityIps: null, capacitySource: 'none', cameras: [], settings: { threadsPerInterpreter: 'auto', delegate: 'xnnpack', maxInFlight: 1 } };
    const camera = {
      id: 'cam-1', name: 'Door', state: 'running', model: 'face-short', scoreThreshold: 0.5, pid: 1, threads: 1, delegate: 'xnnpack', restarts: 0,
      ips1s: 0, ips5s: 0, inferP50Ms: 0, inferP95Ms: 0, endToEndP50Ms: 0, endToEndP95Ms: 0, framesReceived: 0, framesInferred: 0,
      framesSkipped: 0, framesRejected: 0, messagesRejected: 0, rssBytes: 0, cpuPercent: 0,
    };
    expect(EngineSnapshot.safeParse({ ...snapshot, cameras: [{ ...camera, source: { kind: 'stream', label: 'rtsp 127.0.0.1:9' } }] }).success).toBe(true);
    const leaky = EngineSnapshot.safeParse({ ...snapshot, cameras: [{ ...camera, source: { kind: 'stream', label: 'x', url: STREAM_URL } }] });
    expect(leaky.success).toBe(false);
  });
});

describe('EngineHost snapshots', () => {
  it('contain neither a stream password nor an image’s media reference nor a file’s folder; the config has the sources', async () => {
    const dir = tempDir('multicam-snapshot-sources-');
    const host = new EngineHost({
      configFile: path.join(dir, 'config.json'),
      launcher: new NodeLauncher(),
      supervisor: { calibrate: false, calibrationFile: null, statsIntervalMs: 250 },
      log: silentLogger(),
    });
    const pushed: string[] = [];
    host.on('event', (event: ApiEvent) => {
      if (event.type === 'snapshot') pushed.push(JSON.stringify(event.snapshot));
    });
    try {
      host.start();
      const add = async (camera: object) => {
        const answer = await host.handle({ method: 'addCamera', camera });
        expect(answer.ok, JSON.stringify(answer)).toBe(true);
      };
      await add({ name: 'Door', source: { kind: 'stream', url: STREAM_URL } });
      await add({ name: 'Still', source: { kind: 'image', url: `data:image/png;base64,${PNG.toString('base64')}` } });
      await add({ name: 'Clip', source: { kind: 'file', path: FACE_MJPEG, loop: true } });

      const config = await host.handle({ method: 'getConfig' });
      const configText = JSON.stringify(config);
      const mediaRef = /media:[0-9a-f]{64}\.png/.exec(configText)?.[0];
      expect(mediaRef, 'the config keeps the picture as a media reference').toBeTruthy();
      expect(configText).toContain(FACE_MJPEG.replace(/\\/g, '\\\\'));
      expect(configText).toContain('rtsp://admin:***@127.0.0.1:9/private/stream1');

      // Snapshots from before and after the workers report (the stream's ffmpeg fails: connection refused).
      const deadline = Date.now() + 30_000;
      while (pushed.length < 3 || !host.snapshot().cameras.every((c) => c.state !== 'starting')) {
        if (Date.now() > deadline) throw new Error(`workers never reported: ${JSON.stringify(host.snapshot().cameras.map((c) => [c.name, c.state]))}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const snapshot = host.snapshot();
      expect(EngineSnapshot.parse(snapshot)).toBeTruthy();
      expect(snapshot.cameras.map((c) => c.source)).toEqual([
        { kind: 'stream', label: 'rtsp 127.0.0.1:9' },
        { kind: 'image', label: 'picture (kept by the engine)' },
        { kind: 'file', label: 'face-640x480.mjpeg' },
      ]);
      for (const text of [JSON.stringify(snapshot), ...pushed]) {
        for (const secret of [PASSWORD, 'admin', '/private/stream1', 'abc123', mediaRef!, 'base64', path.dirname(FACE_MJPEG)]) {
          expect(text.includes(secret), `a snapshot contains ${secret}`).toBe(false);
        }
      }
    } finally {
      await host.stop();
    }
  }, 90_000);
});
