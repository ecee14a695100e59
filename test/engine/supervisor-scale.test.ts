/**
 * 64 cameras, the most a configuration holds: the supervisor adds no listener per camera or per
 * waiter, so Node never warns about a listener leak, and stop() ends calibration workers too.
 * Workers here are stand-ins that never answer: this is about the supervisor's bookkeeping.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerProcess, type LaunchOptions, type WorkerLauncher } from '../../src/engine/launcher';
import { CameraSupervisor } from '../../src/engine/supervisor';

class SilentWorker extends WorkerProcess {
  readonly messages: unknown[] = [];
  constructor(readonly options: LaunchOptions) {
    super();
  }
  get pid(): number | undefined {
    return undefined;
  }
  postMessage(message: unknown): boolean {
    this.messages.push(message);
    if ((message as { type?: string }).type === 'stop') setImmediate(() => this.markExited(0, null));
    return true;
  }
  protected signal(): void {
    setImmediate(() => this.markExited(null, 'SIGKILL'));
  }
}

class SilentLauncher implements WorkerLauncher {
  readonly kind = 'node' as const;
  readonly launched: SilentWorker[] = [];
  launch(options: LaunchOptions): WorkerProcess {
    const worker = new SilentWorker(options);
    this.launched.push(worker);
    return worker;
  }
}

let supervisor: CameraSupervisor | null = null;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = null;
});

describe('the supervisor at 64 cameras', () => {
  it('waits on 64 cameras at once without adding a listener each (no MaxListeners warning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const launcher = new SilentLauncher();
      supervisor = new CameraSupervisor({ launcher, calibrate: false, calibrationFile: null, cores: 2, startTimeoutMs: 60_000 });
      const s = supervisor;
      const ids = Array.from({ length: 64 }, (_, i) => s.addCamera({ name: `cam ${i}`, source: { kind: 'external' } }));
      const waits = ids.map((id) => s.waitForState(id, 'running', 500).catch((err: Error) => err.message));
      expect(s.listenerCount('change')).toBe(0);
      const outcomes = await Promise.all(waits);
      for (const outcome of outcomes) expect(outcome).toMatch(/did not reach running within 500 ms/);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([]);
      // Starts are staggered: one worker loading per core (2 here); the others wait their turn.
      expect(launcher.launched).toHaveLength(2);
      expect(new Set(ids).size).toBe(64);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('stop() ends a calibration worker still measuring', async () => {
    const launcher = new SilentLauncher();
    supervisor = new CameraSupervisor({ launcher, calibrationFile: null, cores: 4, settings: { threadsPerInterpreter: 'auto' } });
    const id = supervisor.addCamera({ name: 'one', source: { kind: 'external' } });
    const worker = launcher.launched[0];
    // The camera's worker says it is ready: with cores to spare, a calibration worker starts.
    worker.emit('message', {
      type: 'ready',
      cameraId: id,
      pid: 1,
      model: { name: 'face-short', path: 'x', decoder: 'blazeface', inputWidth: 128, inputHeight: 128, inputs: [], outputs: [] },
      threads: 1,
      delegate: 'xnnpack',
      loadMs: 1,
    });
    const calibration = launcher.launched.find((w) => w.options.serviceName.startsWith('calibrate-'));
    expect(calibration).toBeDefined();
    expect(calibration!.alive).toBe(true);
    await supervisor.stop();
    supervisor = null;
    expect(calibration!.alive).toBe(false);
  });
});
