/** The pure parts of serve mode: access rules, capture assignment, metrics text, static paths. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allowedHostNames, authorize, hostAllowed, isLoopbackHost, mediaSignature, mediaSignatureMatches, originAllowed, protocolToken, tokenMatches } from '../../src/serve/auth';
import { CaptureAssignments } from '../../src/engine/capture';
import { ServeMetrics, statsFromSnapshot } from '../../src/serve/metrics';
import { resolveInside } from '../../src/serve/static-files';
import type { CameraStatus, EngineSnapshot } from '../../src/shared/contracts/engine-api';

describe('tokens, hosts and origins', () => {
  it('matches only the exact token', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
  });

  it('takes the token from the header, the query or a WebSocket subprotocol, never from a cookie', () => {
    const token = 'x'.repeat(32);
    expect(authorize({ authorization: `Bearer ${token}`, query: null }, token)).toBe('header');
    expect(authorize({ query: token }, token)).toBe('query');
    expect(authorize({ query: null, protocols: `multicam, multicam-token.${token}` }, token)).toBe('protocol');
    expect(authorize({ query: null, protocols: `multicam, multicam-token.${token}y` }, token)).toBeNull();
    expect(authorize({ query: null, protocols: `multicam, ${token}` }, token)).toBeNull();
    expect(protocolToken(`multicam-token.${token} , multicam`)).toBe(token);
    // The cookie the page used to get is no carrier any more.
    expect(authorize({ query: null, cookie: `multicam_token_8000=${token}` } as Parameters<typeof authorize>[0], token)).toBeNull();
  });

  it('signs media links per file, under the token', () => {
    const token = 'x'.repeat(32);
    const sig = mediaSignature(token, 'a.jpg');
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sig).not.toContain(token);
    expect(mediaSignatureMatches(token, 'a.jpg', sig)).toBe(true);
    expect(mediaSignatureMatches(token, 'b.jpg', sig)).toBe(false);
    expect(mediaSignatureMatches('y'.repeat(32), 'a.jpg', sig)).toBe(false);
    expect(mediaSignatureMatches(token, 'a.jpg', null)).toBe(false);
  });

  it('answers only to its own host names and the ones allowed', () => {
    const loopback = allowedHostNames('127.0.0.1');
    for (const h of ['127.0.0.1:8000', 'localhost:8000', '[::1]:8000', 'LOCALHOST', 'localhost.:8000']) expect(hostAllowed(h, loopback)).toBe(true);
    for (const h of ['evil.example:8000', 'evil.example', '', undefined, '127.0.0.1:8000, evil', 'user@127.0.0.1', '127.0.0.1:99999']) {
      expect(hostAllowed(h, loopback)).toBe(false);
    }
    const lan = allowedHostNames('192.168.1.5');
    expect(hostAllowed('192.168.1.5:8000', lan)).toBe(true);
    expect(hostAllowed('localhost:8000', lan)).toBe(false);
    // Bound everywhere: loopback and the machine's addresses, never an arbitrary name.
    const everywhere = allowedHostNames('0.0.0.0');
    expect(hostAllowed('127.0.0.1:8000', everywhere)).toBe(true);
    expect(hostAllowed('box.lan:8000', everywhere)).toBe(false);
    expect(hostAllowed('box.lan:8000', allowedHostNames('0.0.0.0', ['box.lan']))).toBe(true);
  });

  it('accepts no Origin or the origin the Host names, refuses anything else', () => {
    expect(originAllowed(undefined, '127.0.0.1:8000')).toBe(true);
    expect(originAllowed('http://127.0.0.1:8000', '127.0.0.1:8000')).toBe(true);
    expect(originAllowed('http://localhost:8000', 'localhost:8000')).toBe(true);
    expect(originAllowed('http://localhost:8000', '127.0.0.1:8000')).toBe(false);
    expect(originAllowed('http://127.0.0.1:8001', '127.0.0.1:8000')).toBe(false);
    expect(originAllowed('http://evil.example', '127.0.0.1:8000')).toBe(false);
    expect(originAllowed('null', '127.0.0.1:8000')).toBe(false);
    expect(originAllowed('file:///x', '127.0.0.1:8000')).toBe(false);
    expect(originAllowed('https://box.lan', 'box.lan')).toBe(true);
    expect(originAllowed('http://box.lan', 'box.lan:443')).toBe(false);
  });

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '192.168.0.2', '::']) expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('CaptureAssignments', () => {
  it('gives every camera to the oldest page and moves them when it leaves', () => {
    const a = new CaptureAssignments<string>();
    a.setCameras(['c1', 'c2']);
    a.addClient('p1');
    expect([...a.rebalance()]).toEqual([['p1', ['c1', 'c2']]]);
    a.addClient('p2');
    expect(a.rebalance().size).toBe(0);
    expect(a.camerasOf('p2')).toEqual([]);
    a.removeClient('p1');
    expect([...a.rebalance()]).toEqual([['p2', ['c1', 'c2']]]);
    a.addClient('p3');
    a.setCameras(['c1', 'c2', 'c3']);
    expect([...a.rebalance()]).toEqual([['p2', ['c1', 'c2', 'c3']]]);
    a.removeClient('p2');
    a.removeClient('p3');
    expect(a.rebalance().size).toBe(0);
  });
});

function camera(over: Partial<CameraStatus>): CameraStatus {
  return {
    id: 'cam-1',
    name: 'Front',
    state: 'running',
    source: { kind: 'external', label: 'frames pushed by code' },
    model: 'face-short',
    scoreThreshold: 0.5,
    pid: 42,
    threads: 1,
    delegate: 'xnnpack',
    restarts: 0,
    ips1s: 10,
    ips5s: 9.5,
    inferP50Ms: 3,
    inferP95Ms: 4,
    endToEndP50Ms: 5,
    endToEndP95Ms: 6,
    framesReceived: 100,
    framesInferred: 90,
    framesSkipped: 10,
    framesRejected: 0,
    messagesRejected: 0,
    rssBytes: 1000,
    cpuPercent: 50,
    ...over,
  };
}

describe('metrics', () => {
  const snapshot: EngineSnapshot = {
    at: 1,
    cores: 2,
    capacityIps: null,
    capacitySource: 'none',
    cameras: [camera({}), camera({ id: 'cam-2', name: 'Back "door"\\\n', state: 'error', pid: null }), camera({ id: 'cam-3', name: 'Yard', motion: true, motionShare: 0.25, skippedNoMotion: 7 })],
    settings: { threadsPerInterpreter: 'auto', delegate: 'xnnpack', maxInFlight: 1 },
  };
  const server = { clients: 1, invalidMessages: 3, framesOverRate: 0, clientPauses: 0 };

  it('maps the snapshot to /api/stats', () => {
    const stats = statsFromSnapshot(snapshot);
    expect(stats.cameras[0]).toMatchObject({ id: 'cam-1', ips: 9.5, p50_ms: 3, p95_ms: 4, skipped: 10, pid: 42, rss: 1000, cpu: 50 });
    expect(stats.cameras[1].pid).toBeNull();
    // Motion fields only for a camera in detect mode 'motion'.
    expect(stats.cameras[0].motion).toBeUndefined();
    expect(stats.cameras[2]).toMatchObject({ motion: true, motion_share: 0.25, skipped_no_motion: 7 });
  });

  it('writes Prometheus text with escaped labels, base units and latency histograms', async () => {
    const metrics = new ServeMetrics({ snapshot: () => snapshot, server: () => server });
    metrics.observe({ type: 'result', cameraId: 'cam-1', frameId: 1, detections: [], inferMs: 1.5, endToEndMs: 4, sourceWidth: 1, sourceHeight: 1 });
    const text = await metrics.text();
    expect(text).toContain('multicam_camera_inferences_per_second{camera_id="cam-2",camera_name="Back \\"door\\"\\\\\\n"} 9.5');
    expect(text.match(/^# TYPE multicam_camera_inferences_per_second gauge$/gm)).toHaveLength(1);
    expect(text).toContain('multicam_camera_state{camera_id="cam-2",camera_name="Back \\"door\\"\\\\\\n",state="error"} 1');
    expect(text).toMatch(/^multicam_camera_cpu_ratio\{camera_id="cam-1",camera_name="Front"\} 0\.5$/m);
    expect(text).toMatch(/^# TYPE multicam_camera_inference_duration_seconds histogram$/m);
    expect(text).toMatch(/^multicam_camera_inference_duration_seconds_bucket\{le="0\.002",camera_id="cam-1"\} 1$/m);
    expect(text).toMatch(/^multicam_camera_inference_duration_seconds_bucket\{le="0\.001",camera_id="cam-1"\} 0$/m);
    expect(text).toMatch(/^multicam_ws_invalid_messages_total 3$/m);
    expect(text).not.toMatch(/_ms\b|p50|p95/);
    expect(text).toMatch(/^multicam_camera_motion\{camera_id="cam-3",camera_name="Yard"\} 1$/m);
    expect(text).toMatch(/^multicam_camera_motion_frames_ratio\{camera_id="cam-3",camera_name="Yard"\} 0\.25$/m);
    expect(text).toMatch(/^multicam_camera_inferences_skipped_no_motion_total\{camera_id="cam-3",camera_name="Yard"\} 7$/m);
    expect(text).not.toMatch(/^multicam_camera_motion\{camera_id="cam-1"/m);
    // A camera that is gone takes its latency series with it.
    const empty = new ServeMetrics({ snapshot: () => ({ ...snapshot, cameras: [] }), server: () => server });
    empty.observe({ type: 'result', cameraId: 'cam-9', frameId: 1, detections: [], inferMs: 1, endToEndMs: 1, sourceWidth: 1, sourceHeight: 1 });
    expect(await empty.text()).not.toContain('cam-9');
  });
});

describe('static files', () => {
  it('never resolves outside the renderer folder', () => {
    const root = path.resolve('/srv/web');
    expect(resolveInside(root, '/index.html')).toBe(path.join(root, 'index.html'));
    expect(resolveInside(root, '/../etc/passwd')).toBe(path.join(root, 'etc', 'passwd'));
    expect(resolveInside(root, '/%2e%2e/%2e%2e/etc/passwd')).toBe(path.join(root, 'etc', 'passwd'));
    expect(resolveInside(root, '/a%00b')).toBeNull();
    expect(resolveInside(root, '/%E0%A4%A')).toBeNull();
  });
});
