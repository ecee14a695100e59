/**
 * npm run faults -- [--cameras N] [--kills K] [--window-seconds W] [--json FILE]
 *
 * What a crash costs: N cameras run flat out through the engine as the app runs them (one real
 * worker process each); K times, a different camera's worker is killed with SIGKILL. For each
 * kill: how long until its replacement runs and answers, and how many results the OTHER cameras
 * got in the W seconds from the kill against the W seconds before it. Prints a plain-words
 * paragraph and one line per kill (stdout), writes JSON. Measured and printed, never asserted:
 * the functional checks (new pid, restart counted, results resumed, the 3 s deadline) are in
 * test/reliability/faults.test.ts.
 */
import { silentLogger } from '../src/engine/logger';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage, toModelFrame } from '../src/node/images';
import { NodeLauncher } from '../src/engine/node-launcher';
import { projectRoot } from '../src/engine/paths';
import { CameraSupervisor } from '../src/engine/supervisor';
import { OtherLoadMeter } from './lib/cpu';
import { faultsSummary, faultsTable, FaultsJsonSchema, type FaultsJson } from './lib/faults-report';

const USAGE = 'usage: npm run faults -- [--cameras N] [--kills K] [--window-seconds W] [--json FILE]';
const RECOVERY_DEADLINE_MS = 3000;

function options() {
  const { values } = parseArgs({
    options: {
      cameras: { type: 'string', default: '4' },
      kills: { type: 'string', default: '3' },
      'window-seconds': { type: 'string', default: '5' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const cameras = Number(values.cameras);
  if (!Number.isInteger(cameras) || cameras < 2 || cameras > 64) throw new Error(`--cameras: expected a whole number 2..64, got ${values.cameras}`);
  const kills = Number(values.kills);
  if (!Number.isInteger(kills) || kills < 1 || kills > cameras) throw new Error(`--kills: expected a whole number 1..cameras (${cameras}), got ${values.kills}`);
  const windowSeconds = Number(values['window-seconds']);
  if (!Number.isFinite(windowSeconds) || windowSeconds < 0.5 || windowSeconds > 120) throw new Error(`--window-seconds: expected 0.5..120, got ${values['window-seconds']}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return { cameras, kills, windowSeconds, json: path.resolve(values.json ?? path.join(os.tmpdir(), `multicam-faults-${stamp}.json`)) };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const opts = options();
  const fixtures = path.join(projectRoot(), 'test', 'fixtures');
  const frames = ['astronaut.png', 'rocket.jpg'].map((f) => {
    const frame = toModelFrame(decodeImage(path.join(fixtures, f)), 128, 128);
    return { ...frame, data: new Uint8Array(frame.data) };
  });
  const loadAverageStart = os.loadavg();
  const otherLoad = new OtherLoadMeter().start();
  const startedAt = new Date();
  const supervisor = new CameraSupervisor({
    launcher: new NodeLauncher(),
    log: silentLogger(),
    settings: { threadsPerInterpreter: 1, delegate: 'xnnpack', maxInFlight: 1 },
    calibrationFile: null,
    calibrate: false,
    statsIntervalMs: 250,
    startTimeoutMs: 30_000,
  });
  try {
    const ids = Array.from({ length: opts.cameras }, (_, i) => `cam-${i + 1}`);
    for (const id of ids) supervisor.addCamera({ id, name: id, source: { kind: 'external' }, model: 'face-short' });
    process.stderr.write(`faults: starting ${opts.cameras} workers...\n`);
    await Promise.all(ids.map((id) => supervisor.waitForState(id, 'running', 60_000)));

    // Every camera busy: a new frame on every answer, and one when a restarted worker runs again.
    const times = new Map(ids.map((id) => [id, [] as number[]]));
    let turn = 0;
    const push = (id: string) => supervisor.status(id) && supervisor.pushFrame(id, frames[turn++ % frames.length]);
    supervisor.on('result', (r) => {
      times.get(r.cameraId)?.push(Date.now());
      push(r.cameraId);
    });
    supervisor.on('dropped', (d) => push(d.cameraId));
    supervisor.on('change', (s) => s.state === 'running' && push(s.id));
    for (const id of ids) push(id);
    await sleep(2000); // warm-up: a fresh interpreter's first inferences are slower
    const count = (id: string, from: number, to: number) => times.get(id)!.filter((t) => t >= from && t < to).length;

    const windowMs = opts.windowSeconds * 1000;
    const kills: FaultsJson['kills'] = [];
    for (const victim of ids.slice(0, opts.kills)) {
      const others = ids.filter((id) => id !== victim);
      const restartsBefore = new Map(others.map((id) => [id, supervisor.status(id)!.restarts]));
      const beforeFrom = Date.now();
      await sleep(windowMs);
      const oldPid = supervisor.status(victim)!.pid!;
      const killedAt = Date.now();
      process.stderr.write(`faults: SIGKILL ${victim} (pid ${oldPid})\n`);
      process.kill(oldPid, 'SIGKILL');
      // The supervisor sees the exit asynchronously: wait until the camera leaves 'running' (the
      // old worker) and comes back with another pid.
      let back: { pid: number | null } | null = null;
      while (Date.now() - killedAt < 10_000) {
        const s = supervisor.status(victim)!;
        if (s.state === 'running' && s.pid !== null && s.pid !== oldPid) {
          back = s;
          break;
        }
        await sleep(10);
      }
      const recoveredAt = Date.now();
      await sleep(Math.max(0, killedAt + windowMs - Date.now()));
      const afterTo = killedAt + windowMs;
      const b = others.reduce((n, id) => n + count(id, beforeFrom, killedAt), 0);
      const a = others.reduce((n, id) => n + count(id, killedAt, afterTo), 0);
      kills.push({
        cameraId: victim,
        oldPid,
        newPid: back?.pid ?? null,
        recoveryMs: back ? recoveredAt - killedAt : null,
        othersBefore: b,
        othersAfter: a,
        ratio: b > 0 ? a / b : null,
        resultsAfterRecovery: back ? count(victim, recoveredAt, Math.max(afterTo, recoveredAt + 1)) : 0,
        othersRestarted: others.some((id) => supervisor.status(id)!.restarts !== restartsBefore.get(id)),
      });
      await sleep(1000); // the replacement settles before the next window
    }
    const before = kills.reduce((n, k) => n + k.othersBefore, 0);
    const after = kills.reduce((n, k) => n + k.othersAfter, 0);
    const recoveries = kills.filter((k) => k.recoveryMs !== null).map((k) => k.recoveryMs!);
    const draft: Omit<FaultsJson, 'summary'> = {
      kind: 'multicam-faults',
      version: 1,
      startedAt: startedAt.toISOString(),
      cameras: opts.cameras,
      windowSeconds: opts.windowSeconds,
      recoveryDeadlineMs: RECOVERY_DEADLINE_MS,
      machine: {
        cpu: os.cpus()[0]?.model?.trim() || 'unknown',
        cores: os.availableParallelism(),
        node: process.version,
        loadAverageStart,
        loadAverageEnd: os.loadavg(),
        otherProcessesCpu: otherLoad.stop(),
      },
      kills,
      totals: {
        othersBefore: before,
        othersAfter: after,
        ratio: before > 0 ? after / before : null,
        recoveryMsMax: recoveries.length > 0 ? Math.max(...recoveries) : null,
        allRecovered: recoveries.length === kills.length,
      },
    };
    const report = FaultsJsonSchema.parse({ ...draft, summary: faultsSummary(draft) });
    writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`${faultsTable(report)}\n\nJSON: ${opts.json}\n`);
    if (!report.totals.allRecovered) process.exitCode = 1;
  } finally {
    await supervisor.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`faults: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
});
