/**
 * A full disk stops recording, not detection: the recordings folder is a 1 MB tmpfs (mounted by
 * the test; skipped, saying so, where it cannot mount one), the camera a 1280×720 RTSP stream in
 * continuous mode. When ffmpeg cannot write its segment, the camera's status says recording is
 * paused because the disk is full, and results keep coming from the same running camera.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { captureLogger } from '../support/log-capture';
import { untilValue } from '../support/process';
import type { RtspTestServer } from '../support/rtsp-server';
import { testStream } from './test-stream';

const ffmpeg = resolveFfmpeg();
const dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-disk-full-'));
const recordings = path.join(dir, 'data', 'recordings');
mkdirSync(recordings, { recursive: true });
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', recordings]).status === 0;
let rtsp: RtspTestServer;
let host: EngineHost | null = null;
const { log } = captureLogger('info');

beforeAll(async () => {
  if (!mounted) return;
  rtsp = await testStream(ffmpeg.path, path.join(dir, 'main.mp4'), '1280x720');
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await rtsp?.stop();
  if (mounted) spawnSync('umount', [recordings]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a full disk', () => {
  it.skipIf(!mounted)('pauses recording with a notice in the status while detection goes on (needs a tmpfs mount: root)', async () => {
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ cameras: [{ id: 'door', name: 'Door', source: { kind: 'stream', url: rtsp.url() }, detect: { mode: 'always', fps: 2 }, record: { mode: 'continuous' } }] }));
    const engine = new EngineHost({ configFile, launcher: new NodeLauncher(), log, eventsDir: path.join(dir, 'data') });
    host = engine;
    let results = 0;
    engine.supervisor.on('result', () => results++);
    engine.start();
    const paused = await untilValue('recording paused', () => {
      const r = engine.supervisor.status('door')?.recording;
      return r?.state === 'paused' ? r : undefined;
    }, 120_000, 500);
    expect(paused.note).toMatch(/disk is full.*detection goes on/);
    const before = results;
    await untilValue('results after the pause', () => (results > before + 3 ? true : undefined), 60_000);
    expect(engine.supervisor.status('door')?.state).toBe('running');
    expect(engine.supervisor.status('door')?.recording?.state).toBe('paused');
  }, 240_000);
});
