/**
 * 64 cameras started at once, on real camera workers (the built worker serve mode runs, each
 * loading the face model), with the engine's own 60 s not-ready limit: starts are staggered, at most
 * one worker loading per core at any moment, and every camera ends running with no restart, so
 * none was killed as "not ready". The cameras are pushed-frame ('external') ones, the cheapest kind
 * whose worker still loads its model for real; no frames are sent. Heavy (64 processes), so it is
 * a file of its own.
 */
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { outputs } from '../../scripts/serve-build.mjs';
import { NodeLauncher } from '../../src/engine/node-launcher';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import type { CameraStatus } from '../../src/shared/contracts/engine-api';
import { untilValue } from '../support/process';
import { REPO, serveBuilt } from '../support/serve-process';
import { makeSupervisor } from './helpers';

let supervisor: CameraSupervisor | undefined;
afterAll(async () => {
  await supervisor?.stop();
});

describe('starting 64 cameras at once', () => {
  it('loads at most one worker per core at a time, and every camera runs without being killed as not ready', async () => {
    await serveBuilt();
    const cores = os.availableParallelism();
    supervisor = makeSupervisor({ launcher: new NodeLauncher({ workerFile: outputs(REPO).worker }), cores });
    const s = supervisor;
    // Workers launched and not yet ready, at every change.
    let mostLoading = 0;
    s.on('change', () => {
      const loading = s.cameraIds().filter((id) => {
        const status = s.status(id)!;
        return (status.state === 'starting' || status.state === 'restarting') && status.pid !== null;
      }).length;
      mostLoading = Math.max(mostLoading, loading);
    });
    const ids = Array.from({ length: 64 }, (_, i) => s.addCamera({ name: `pushed ${i + 1}`, source: { kind: 'external' } }));
    const statuses = await untilValue(
      'all 64 cameras running, or one in error',
      () => {
        const all = ids.map((id) => s.status(id)!);
        return all.every((c) => c.state === 'running') || all.some((c) => c.state === 'error') ? all : undefined;
      },
      600_000,
      250,
    );
    const notRunning = statuses.filter((c: CameraStatus) => c.state !== 'running').map((c) => `${c.id}: ${c.state} ${c.error ?? ''}`);
    expect(notRunning).toEqual([]);
    expect(statuses.filter((c) => c.restarts > 0).map((c) => `${c.id}: ${c.restarts} restarts (${c.error ?? ''})`)).toEqual([]);
    expect(mostLoading).toBeGreaterThan(0);
    expect(mostLoading).toBeLessThanOrEqual(cores);
  }, 900_000);
});
