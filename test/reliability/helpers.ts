/**
 * Shared pieces of the reliability tests: a supervisor on real worker processes, frames made from
 * the fixture pictures and a feeder that keeps a camera busy.
 * Nothing here is a mock: every worker is a real child process running the real interpreter.
 */
import { silentLogger } from '../../src/engine/logger';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CameraSupervisor, RestartPolicy, SupervisorOptions } from '../../src/engine/supervisor';
import type { WorkerLauncher } from '../../src/engine/launcher';
import { TestSupervisor } from '../support/supervisor-adapter';
import { decodeImage, toModelFrame, type ModelFrame } from '../../src/node/images';
import type { ResultMessage } from '../../src/shared/contracts/frames';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

/** face-short takes 128x128 frames. */
export const INPUT_SIZE = 128;

/** A model frame whose bytes own their buffer, as FrameMessage wants. */
export type TestFrame = Omit<ModelFrame, 'data'> & { data: Uint8Array<ArrayBuffer> };

function load(file: string): TestFrame {
  const frame = toModelFrame(decodeImage(path.join(FIXTURES, file)), INPUT_SIZE, INPUT_SIZE);
  return { ...frame, data: new Uint8Array(frame.data) };
}

let frames: { astronaut: TestFrame; rocket: TestFrame } | undefined;

/** The two fixture pictures letterboxed for face-short: one with a face, one without. */
export function fixtureFrames(): { astronaut: TestFrame; rocket: TestFrame } {
  frames ??= { astronaut: load('astronaut.png'), rocket: load('rocket.jpg') };
  return frames;
}

/** A launcher that records every real launch (camera workers and calibration runs): see test/support/supervisor-adapter.ts. */
export { WorkerTap } from '../support/supervisor-adapter';
import { WorkerTap } from '../support/supervisor-adapter';

export interface TestSupervisorOptions {
  restart?: Partial<RestartPolicy>;
  watchdogMs?: number;
  startTimeoutMs?: number;
  statsIntervalMs?: number;
  launcher?: WorkerLauncher;
  cores?: number;
}

/** A supervisor on real Node child processes, one interpreter thread per camera, no calibration. */
export function createSupervisor(options: TestSupervisorOptions = {}): TestSupervisor {
  const opts: SupervisorOptions = {
    launcher: options.launcher ?? new WorkerTap(),
    log: silentLogger(),
    settings: { threadsPerInterpreter: 1, delegate: 'xnnpack', maxInFlight: 1 },
    restart: options.restart,
    watchdogMs: options.watchdogMs,
    startTimeoutMs: options.startTimeoutMs ?? 30_000,
    statsIntervalMs: options.statsIntervalMs ?? 250,
    calibrationFile: null,
    calibrate: false,
    cores: options.cores,
  };
  return new TestSupervisor(opts);
}

export function externalCamera(id: string, extra: { model?: string } = {}) {
  return { id, name: id, source: { kind: 'external' as const }, ...extra };
}

/**
 * Keeps one camera busy: pushes a frame now and another on every result or drop for that camera,
 * alternating the two fixtures. Records the time of each result.
 */
export class Feeder {
  readonly resultTimes: number[] = [];
  readonly results: ResultMessage[] = [];
  private running = false;
  private paused = false;
  private n = 0;
  /** The id of the last frame offered, and whether its answer (a result or a drop) has come. */
  private lastSent = -1;
  private lastAnswered = -1;
  private readonly onResult = (r: ResultMessage) => {
    if (r.cameraId !== this.cameraId) return;
    this.lastAnswered = Math.max(this.lastAnswered, r.frameId);
    this.resultTimes.push(Date.now());
    if (this.keepResults) this.results.push(r);
    this.push();
  };
  private readonly onDropped = (d: { cameraId: string; frameId?: number }) => {
    if (d.cameraId !== this.cameraId) return;
    if (d.frameId !== undefined) this.lastAnswered = Math.max(this.lastAnswered, d.frameId);
    this.push();
  };
  private readonly onChange = (s: { id: string; state: string }) => {
    // After a restart nothing is in flight: offer a frame so the new worker has work at once.
    if (s.id === this.cameraId && s.state === 'running') this.push();
  };

  constructor(
    private readonly supervisor: CameraSupervisor,
    readonly cameraId: string,
    private readonly keepResults = false,
  ) {}

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.supervisor.on('result', this.onResult);
    this.supervisor.on('dropped', this.onDropped);
    this.supervisor.on('change', this.onChange);
    this.push();
    return this;
  }

  /** Frames stop arriving (camera unplugged) but listeners stay. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.push();
  }

  stop(): void {
    this.running = false;
    this.supervisor.off('result', this.onResult);
    this.supervisor.off('dropped', this.onDropped);
    this.supervisor.off('change', this.onChange);
  }

  /** True once the last frame offered has been answered: nothing of this feeder is in flight. */
  get settled(): boolean {
    return this.lastAnswered >= this.lastSent;
  }

  /** Results whose arrival time falls in [from, to). */
  countBetween(from: number, to: number): number {
    return this.resultTimes.filter((t) => t >= from && t < to).length;
  }

  private push(): void {
    if (!this.running || this.paused) return;
    if (!this.supervisor.status(this.cameraId)) return;
    const { astronaut, rocket } = fixtureFrames();
    const frame = this.n++ % 2 === 0 ? astronaut : rocket;
    this.lastSent = this.supervisor.pushFrame(this.cameraId, frame);
  }
}

export { pidAlive, quietPeriod, sleep, until } from '../support/process';

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
