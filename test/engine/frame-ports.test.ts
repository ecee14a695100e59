/**
 * Who holds each camera's direct frame port (RendererHub.portHolderOf) and how FramePorts carries
 * it out when pages come and go. Pure decisions, no processes: the ports are plain objects and the
 * workers a record of what they were handed (the processes are in test/serve/electron-main.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { CameraConfig } from '../../src/shared/contracts/config';
import { FramePorts } from '../../src/engine/frame-ports';
import { PageClients } from '../../src/engine/page-clients';
import { RendererHub, type RendererClient } from '../../src/engine/renderers';

class Port {
  closed = false;
  constructor(
    readonly channel: number,
    readonly end: 'worker' | 'client',
  ) {}
  close() {
    this.closed = true;
  }
}

function setup(initial: CameraConfig[]) {
  let cameras = initial;
  let channels = 0;
  /** What each camera's worker was handed, in order (null: its port taken away). */
  const workers = new Map<string, Array<Port | null>>();
  const running = new Set(initial.map((c) => c.id!));
  const hub = new RendererHub({
    initialEvents: () => [],
    cameras: () => cameras,
    forwardFrame: () => true,
    forwardTrackSnapshot: () => true,
    hasCamera: (id) => cameras.some((c) => c.id === id),
  });
  const ports = new FramePorts<Port>({
    createChannel: () => {
      channels++;
      return { workerEnd: new Port(channels, 'worker'), clientEnd: new Port(channels, 'client') };
    },
    handToWorker: (id, port) => {
      if (!running.has(id)) return false;
      workers.set(id, [...(workers.get(id) ?? []), port]);
      return true;
    },
    holderOf: (id) => hub.portHolderOf(id),
    cameraIds: () => cameras.map((c) => c.id!),
  });
  const host = {
    connect: (client: RendererClient) => {
      const disconnect = hub.connect(client);
      ports.sync();
      return () => {
        disconnect();
        ports.sync();
      };
    },
  };
  const pages = new PageClients<string>(host);
  /** Ports each window's page received, by camera. */
  const received = new Map<string, Array<{ cameraId: string; port: Port }>>();
  const load = (window: string) =>
    pages.loaded(window, {
      send: () => undefined,
      sendPort: (cameraId, port) => received.set(window, [...(received.get(window) ?? []), { cameraId, port: port as Port }]),
    });
  const setCameras = (next: CameraConfig[]) => {
    cameras = next;
    hub.broadcast({ type: 'config', config: { cameras, settings: {} } as never });
    ports.sync();
  };
  return { hub, ports, pages, workers, running, received, load, setCameras };
}

const webcam: CameraConfig = { id: 'web', name: 'Desk', source: { kind: 'webcam' } } as CameraConfig;
const clip: CameraConfig = { id: 'clip', name: 'Clip', source: { kind: 'file', path: '/clips/door.mp4', loop: true } } as CameraConfig;

describe('frame ports follow the page that holds each camera', () => {
  it('a reload takes every port from the workers and hands new ones over for the new page', () => {
    const t = setup([webcam, clip]);
    t.load('main');
    expect(t.received.get('main')!.map((r) => r.cameraId)).toEqual(['web', 'clip']);
    const first = t.received.get('main')!.map((r) => r.port.channel);
    for (const id of ['web', 'clip']) expect(t.workers.get(id)!.map((p) => p?.end)).toEqual(['worker']);

    t.pages.left('main', 'reload');
    for (const id of ['web', 'clip']) expect(t.workers.get(id)!.at(-1)).toBeNull();
    t.load('main');
    const second = t.received.get('main')!.slice(2);
    expect(second.map((r) => r.cameraId)).toEqual(['web', 'clip']);
    // New channels, and each worker holds the other end of the one its page got.
    for (const { cameraId, port } of second) {
      expect(first).not.toContain(port.channel);
      expect(t.workers.get(cameraId)!.at(-1)!.channel).toBe(port.channel);
    }
  });

  it('a second window gets only what it holds; when the first goes, everything moves to it', () => {
    const t = setup([webcam, clip]);
    t.load('one');
    t.load('two');
    expect(t.received.get('two')).toBeUndefined();
    expect(t.ports.holderOfPort('web')).toBe(t.hub.portHolderOf('web'));
    t.pages.left('one', 'closed');
    expect(t.received.get('two')!.map((r) => r.cameraId).sort()).toEqual(['clip', 'web']);
    for (const { cameraId, port } of t.received.get('two')!) expect(t.workers.get(cameraId)!.at(-1)!.channel).toBe(port.channel);
  });

  it('a camera without a worker now gets its port with its next life, not before', () => {
    const t = setup([webcam]);
    t.running.delete('web');
    t.load('main');
    expect(t.received.get('main')).toBeUndefined();
    expect(t.workers.get('web')).toBeUndefined();
    // The supervisor starts the worker again and asks for the port to send with 'init'.
    const workerEnd = t.ports.portForNewWorker('web');
    expect(workerEnd?.end).toBe('worker');
    expect(t.received.get('main')!.map((r) => [r.cameraId, r.port.channel])).toEqual([['web', workerEnd!.channel]]);
  });

  it('a camera added while a page is connected gets one port, with its first worker', () => {
    const t = setup([webcam]);
    t.load('main');
    const added = { ...clip, id: 'new' } as CameraConfig;
    t.running.add('new');
    // The supervisor starts the worker before the config is announced, asking for the port to send with 'init'.
    const workerEnd = t.ports.portForNewWorker('new');
    t.setCameras([webcam, added]);
    expect(t.received.get('main')!.filter((r) => r.cameraId === 'new').map((r) => r.port.channel)).toEqual([workerEnd!.channel]);
    expect(t.workers.get('new')).toBeUndefined();
  });

  it('a camera a serve-mode page captures gets no port; one no page captures goes to the desktop page', () => {
    const t = setup([webcam, clip]);
    const servePage: RendererClient = { id: 99, sendEvent: () => undefined, sendFrameReply: () => undefined };
    t.hub.connect(servePage);
    t.load('main');
    expect(t.hub.portHolderOf('web')).toBeUndefined();
    expect(t.received.get('main')!.map((r) => r.cameraId)).toEqual(['clip']);
  });
});
