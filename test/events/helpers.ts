/** Shared by the events suites: temp data dirs, sample events, a real JPEG, a real broker. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import type { TrackMessage } from '../../src/shared/contracts/events';
import { sleep } from '../support/process';

export function tempDir(prefix = 'multicam-events-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A small real JPEG (solid colour). */
export function smallJpeg(width = 32, height = 24, shade = 128): Uint8Array {
  const data = Buffer.alloc(width * height * 4, shade);
  return new Uint8Array(jpeg.encode({ data, width, height }, 80).data);
}

export function track(kind: TrackMessage['kind'], trackId: number, at: number, extra: Partial<TrackMessage['track']> = {}, withJpeg = kind !== 'end'): TrackMessage {
  return {
    type: 'track',
    kind,
    track: { cameraId: 'cam1', trackId, label: 'face', start: at, lastSeen: at, score: 0.9, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.2 }, zones: [], ...extra },
    ...(withJpeg ? { snapshot: smallJpeg(), crop: smallJpeg(8, 8) } : {}),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export const MOSQUITTO = process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';

export interface Broker {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** A real mosquitto on a free loopback port, its config in a temp dir removed on stop. */
export async function startBroker(port?: number): Promise<Broker> {
  const p = port ?? (await freePort());
  const tmp = tempDir('multicam-mosquitto-');
  const conf = path.join(tmp.dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${p} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const kill = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', kill);
  let open = false;
  try {
    const deadline = Date.now() + 10_000;
    while (!(open = await portOpen(p)) && child.exitCode === null && Date.now() < deadline) await sleep(100);
  } finally {
    if (!open) {
      kill();
      tmp.remove();
    }
  }
  if (!open) throw new Error(`mosquitto did not start on port ${p}: ${err}`);
  return {
    url: `mqtt://127.0.0.1:${p}`,
    port: p,
    child,
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      process.off('exit', kill);
      tmp.remove();
    },
  };
}
