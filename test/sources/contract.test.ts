/**
 * The engine-side source contract and main's rules for it: which URLs a stream camera accepts,
 * masking a stored password everywhere it could leave, keeping it when an edit sends the mask
 * back, how a source's state becomes the camera's, and previews' binary form.
 */
import { describe, expect, it } from 'vitest';
import { AppConfig, CameraConfig } from '../../src/shared/contracts/config';
import { decodePreview, encodePreview, EngineSourceConfig, type PreviewMessage } from '../../src/shared/contracts/sources';
import { cameraStateWithSource, keepStoredSecret, workerSourceConfig } from '../../src/engine/engine-sources';
import { redactConfig } from '../../src/shared/redact';

describe('stream URLs', () => {
  it.each(['rtsp://cam:pw@10.0.0.2:554/s1', 'rtsps://10.0.0.2/s1', 'http://10.0.0.2/mjpg/video.mjpg', 'https://cams.example/live.m3u8'])(
    'accepts %s',
    (url) => {
      expect(EngineSourceConfig.safeParse({ kind: 'stream', url }).success).toBe(true);
    },
  );

  it.each([
    ['file:///etc/passwd', /file:\/\/ is not supported.*rtsp:\/\/, rtsps:\/\/, http:\/\/ or https:\/\//],
    ['udp://239.0.0.1:1234', /udp:\/\/ is not supported/],
    ['concat:a|b', /not supported|not a URL/],
    ['just words', /not a URL/],
  ])('rejects %s with a message saying what is accepted', (url, message) => {
    const parsed = CameraConfig.safeParse({ name: 'x', source: { kind: 'stream', url } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(message);
  });

  it('file and device cameras take a path; a file loops unless told not to', () => {
    expect(EngineSourceConfig.parse({ kind: 'file', path: 'clip.mp4', loop: false })).toEqual({ kind: 'file', path: 'clip.mp4', loop: false });
    expect(EngineSourceConfig.parse({ kind: 'device', path: '/dev/video0' })).toEqual({ kind: 'device', path: '/dev/video0' });
    expect(EngineSourceConfig.safeParse({ kind: 'file', path: '' }).success).toBe(false);
  });
});

describe('credentials', () => {
  const config = AppConfig.parse({
    cameras: [
      { id: 'a', name: 'Door', source: { kind: 'stream', url: 'rtsp://admin:s3cr3t@10.0.0.2:554/s1' } },
      { id: 'b', name: 'Clip', source: { kind: 'file', path: 'clip.mp4' } },
    ],
  });

  it('the config as shown masks every stream password and leaves the stored one alone', () => {
    const shown = redactConfig(config);
    expect(JSON.stringify(shown)).not.toContain('s3cr3t');
    expect(shown.cameras[0].source).toEqual({ kind: 'stream', url: 'rtsp://admin:***@10.0.0.2:554/s1' });
    expect(JSON.stringify(config)).toContain('s3cr3t');
  });

  it('an edit that sends the masked URL back keeps the password; a new URL replaces it; the mask is not sent to a new host', () => {
    const stored = config.cameras[0].source;
    expect(keepStoredSecret(stored, { kind: 'stream', url: 'rtsp://admin:***@10.0.0.2:554/s1' })).toBe(stored);
    expect(keepStoredSecret(stored, { kind: 'stream', url: 'rtsp://admin:new@10.0.0.2:554/s1' })).toEqual({
      kind: 'stream',
      url: 'rtsp://admin:new@10.0.0.2:554/s1',
    });
    // Another path on the same host keeps the password; the mask towards another host is refused.
    expect(keepStoredSecret(stored, { kind: 'stream', url: 'rtsp://admin:***@10.0.0.2:554/s2' })).toEqual({ kind: 'stream', url: 'rtsp://admin:s3cr3t@10.0.0.2:554/s2' });
    expect(() => keepStoredSecret(stored, { kind: 'stream', url: 'rtsp://admin:***@10.0.0.3:554/s1' })).toThrow(/type the password again/);
  });
});

describe('recording settings', () => {
  it('a stream may name a recordUrl, checked like its url; its password is masked and kept like the url’s', () => {
    const bad = CameraConfig.safeParse({ name: 'x', source: { kind: 'stream', url: 'rtsp://10.0.0.2/sub', recordUrl: 'file:///etc/passwd' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['source', 'recordUrl']);
    const config = AppConfig.parse({
      cameras: [{ id: 'a', name: 'Door', source: { kind: 'stream', url: 'rtsp://10.0.0.2/sub', recordUrl: 'rtsp://admin:m41n@10.0.0.2/main' } }],
    });
    const shown = redactConfig(config);
    expect(JSON.stringify(shown)).not.toContain('m41n');
    const stored = config.cameras[0].source;
    expect(keepStoredSecret(stored, shown.cameras[0].source)).toBe(stored);
    expect(keepStoredSecret(stored, { kind: 'stream', url: 'rtsp://10.0.0.2/sub', recordUrl: 'rtsp://admin:***@10.0.0.2/main2' })).toEqual({
      kind: 'stream',
      url: 'rtsp://10.0.0.2/sub',
      recordUrl: 'rtsp://admin:m41n@10.0.0.2/main2',
    });
  });

  it('the worker records an engine-side camera by default, into DATA/recordings/CAMERA, from its recordUrl when it has one; not when off, not a file read flat out', () => {
    const ffmpeg = () => ({ path: '/usr/bin/ffmpeg', origin: 'path' as const, version: '4' });
    const settings = AppConfig.parse({}).settings;
    const config = (camera: object) => workerSourceConfig(CameraConfig.parse({ id: 'door', name: 'Door', ...camera }), settings, ffmpeg, '/data/recordings');
    const record = (camera: object) => (config(camera) as { record?: unknown } | undefined)?.record;
    expect(record({ source: { kind: 'stream', url: 'rtsp://h/sub', recordUrl: 'rtsp://h/main' } })).toEqual({ dir: '/data/recordings/door', segmentSeconds: 10, url: 'rtsp://h/main' });
    expect(record({ source: { kind: 'file', path: 'a.mp4' } })).toEqual({ dir: '/data/recordings/door', segmentSeconds: 10 });
    expect(record({ source: { kind: 'file', path: 'a.mp4' }, record: { mode: 'off' } })).toBeUndefined();
    expect(record({ source: { kind: 'file', path: 'a.mp4', realtime: false } })).toBeUndefined();
    expect(workerSourceConfig(CameraConfig.parse({ id: 'door', name: 'Door', source: { kind: 'file', path: 'a.mp4' } }), settings, ffmpeg)).not.toHaveProperty('record');
  });

  it('record defaults to events with 5 s either side; the global budget to 3 and 30 days, no cap, 5 % free', () => {
    const config = AppConfig.parse({ cameras: [{ name: 'x', source: { kind: 'stream', url: 'rtsp://h/s' }, record: {} }], recording: {} });
    expect(config.cameras[0].record).toEqual({ mode: 'events', preSeconds: 5, postSeconds: 5 });
    expect(config.recording).toEqual({ continuousDays: 3, eventDays: 30, maxGB: null, minFreePercent: 5 });
    expect(CameraConfig.safeParse({ name: 'x', source: { kind: 'stream', url: 'rtsp://h/s' }, record: { mode: 'always' } }).success).toBe(false);
  });
});

describe('camera state with an engine-side source', () => {
  it('a running worker without a picture is connecting, no-signal or in error with ffmpeg’s reason', () => {
    expect(cameraStateWithSource('running', undefined, { state: 'connecting', reason: null })).toEqual({ state: 'connecting', error: undefined });
    expect(cameraStateWithSource('running', undefined, { state: 'no-signal', reason: 'no frame for 20 s' })).toEqual({ state: 'no-signal', error: 'no frame for 20 s' });
    expect(cameraStateWithSource('running', undefined, { state: 'error', reason: 'x: 401 Unauthorized' })).toEqual({ state: 'error', error: 'x: 401 Unauthorized' });
    expect(cameraStateWithSource('running', undefined, { state: 'running', reason: null }).state).toBe('running');
    // The worker's own state wins while it is not running.
    expect(cameraStateWithSource('restarting', 'crashed', { state: 'no-signal', reason: 'gone' })).toEqual({ state: 'restarting', error: 'crashed' });
  });
});

describe('preview binary form', () => {
  it('round-trips and rejects what is not a preview', () => {
    const preview: PreviewMessage = {
      type: 'preview',
      cameraId: 'cam-1',
      frameId: 7,
      width: 640,
      height: 480,
      detections: [{ score: 0.9, box: { x: 0.3, y: 0.2, w: 0.2, h: 0.27 }, keypoints: [], label: 'face' }],
      decodedAt: 1_700_000_000_000,
      jpeg: new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]),
    };
    const decoded = decodePreview(encodePreview(preview));
    expect(decoded.ok && decoded.preview).toEqual(preview);
    expect(decodePreview(new Uint8Array([0, 0, 0, 2, 0x7b, 0x7d])).ok).toBe(false);
    expect(decodePreview(new Uint8Array([0, 0, 9, 9])).ok).toBe(false);
  });
});
