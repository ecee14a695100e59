/** The pure parts of serve mode: access rules, capture assignment, metrics text, static paths. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, originAllowed, tokenMatches } from '../../src/serve/auth';
import { CaptureAssignments } from '../../src/engine/capture';
import { escapeLabelValue, prometheusText, statsFromSnapshot } from '../../src/serve/metrics';
import { resolveInside } from '../../src/serve/static-files';
import type { CameraStatus, EngineSnapshot } from '../../src/shared/contracts/engine-api';

describe('tokens and origins', () => {
  it('matches only the exact token', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
  });

  it('accepts no Origin or the server itself, refuses anything else', () => {
    expect(originAllowed(undefined, '127.0.0.1', 8000, '127.0.0.1:8000')).toBe(true);
    expect(originAllowed('http://127.0.0.1:8000', '127.0.0.1', 8000, undefined)).toBe(true);
    expect(originAllowed('http://localhost:8000', '127.0.0.1', 8000, undefined)).toBe(true);
    expect(originAllowed('http://127.0.0.1:8001', '127.0.0.1', 8000, undefined)).toBe(false);
    expect(originAllowed('http://evil.example', '127.0.0.1', 8000, 'evil.example')).toBe(false);
    expect(originAllowed('null', '127.0.0.1', 8000, undefined)).toBe(false);
    expect(originAllowed('file:///x', '127.0.0.1', 8000, undefined)).toBe(false);
    expect(originAllowed('http://192.168.1.5:8000', '192.168.1.5', 8000, '192.168.1.5:8000')).toBe(true);
    expect(originAllowed('http://localhost:8000', '192.168.1.5', 8000, undefined)).toBe(false);
    expect(originAllowed('http://box.lan:8000', '0.0.0.0', 8000, 'box.lan:8000')).toBe(true);
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
    source: { kind: 'external' },
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
    cameras: [camera({}), camera({ id: 'cam-2', name: 'Back "door"\\\n', state: 'error', pid: null })],
    settings: { threadsPerInterpreter: 'auto', delegate: 'xnnpack', maxInFlight: 1 },
  };

  it('maps the snapshot to /api/stats', () => {
    const stats = statsFromSnapshot(snapshot);
    expect(stats.cameras[0]).toMatchObject({ id: 'cam-1', ips: 9.5, p50_ms: 3, p95_ms: 4, skipped: 10, pid: 42, rss: 1000, cpu: 50 });
    expect(stats.cameras[1].pid).toBeNull();
  });

  it('escapes label values and writes HELP and TYPE once per metric', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const text = prometheusText(snapshot);
    expect(text).toContain('multicam_camera_ips{camera_id="cam-2",camera_name="Back \\"door\\"\\\\\\n"} 9.5');
    expect(text.match(/^# TYPE multicam_camera_ips gauge$/gm)).toHaveLength(1);
    expect(text).toContain('multicam_camera_state{camera_id="cam-2",camera_name="Back \\"door\\"\\\\\\n",state="error"} 1');
    expect(text.endsWith('\n')).toBe(true);
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
