/**
 * Test adapter for the engine: what tests need to see of a supervisor that the product has no use
 * for. The supervisor does not hand out its workers; tests that kill a camera's worker, post junk
 * to it or read its pid get it from the launcher they gave the supervisor, which records what it
 * launched. Nothing here is a mock: WorkerTap delegates every launch to a real launcher.
 */
import { CameraSupervisor, type SupervisorOptions } from '../../src/engine/supervisor';
import type { LaunchOptions, WorkerLauncher, WorkerProcess } from '../../src/engine/launcher';
import { NodeLauncher } from '../../src/engine/node-launcher';

/** One launch: when, with what options, and the process it gave. */
export interface Launch {
  at: number;
  options: LaunchOptions;
  worker: WorkerProcess;
}

const isCalibration = (options: LaunchOptions): boolean => options.serviceName.startsWith('calibrate-');

/** A launcher that delegates to a real one (NodeLauncher unless given) and records every launch. */
export class WorkerTap implements WorkerLauncher {
  readonly kind: WorkerLauncher['kind'];
  readonly launches: Launch[] = [];

  constructor(private readonly inner: WorkerLauncher = new NodeLauncher()) {
    this.kind = inner.kind;
  }

  launch(options: LaunchOptions): WorkerProcess {
    const worker = this.inner.launch(options);
    this.launches.push({ at: Date.now(), options, worker });
    return worker;
  }

  /** How many camera workers were launched for this camera (calibration runs not counted). */
  launchesOf(cameraId: string): number {
    return this.launches.filter((l) => l.options.cameraId === cameraId && !isCalibration(l.options)).length;
  }

  /** The camera's newest worker while it has not exited, else null. */
  workerOf(cameraId: string): WorkerProcess | null {
    const last = this.launches.filter((l) => l.options.cameraId === cameraId && !isCalibration(l.options)).at(-1);
    return last?.worker.alive ? last.worker : null;
  }
}

/** A CameraSupervisor whose launches go through a WorkerTap, so that a test can reach a camera's worker. */
export class TestSupervisor extends CameraSupervisor {
  readonly tap: WorkerTap;

  constructor(options: SupervisorOptions) {
    const tap = options.launcher instanceof WorkerTap ? options.launcher : new WorkerTap(options.launcher);
    super({ ...options, launcher: tap });
    this.tap = tap;
  }

  /** The worker process of a camera the supervisor still has (tests kill it to prove recovery). */
  workerOf(id: string): WorkerProcess | null {
    return this.status(id) ? this.tap.workerOf(id) : null;
  }
}
