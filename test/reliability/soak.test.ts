/**
 * The soak script, short: runs `npm run soak` as a child process for 12 s with 2 cameras and checks
 * that it finishes, its JSON is well-formed and nothing restarted. No speed is asserted here; the
 * real 10-minute figures are in docs/reliability.md.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { z } from 'zod';
import { ROOT } from './helpers';
import { tempDir } from '../support/tmp';

const tmp = tempDir('multicam-soak-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const bytes = z.number().int().positive();
const share = z.number().min(0).max(1).nullable();
const SoakJson = z.object({
  kind: z.literal('multicam-soak'),
  version: z.literal(1),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  interrupted: z.literal(false),
  minutes: z.number().positive(),
  cameras: z.number().int().positive(),
  model: z.string(),
  warmupSeconds: z.number().positive(),
  windowSeconds: z.number().positive(),
  machine: z.object({
    platform: z.string(),
    arch: z.string(),
    cpu: z.string(),
    cores: z.number().int().positive(),
    memoryBytes: bytes,
    node: z.string(),
    loadAverageStart: z.array(z.number()).length(3),
    loadAverageEnd: z.array(z.number()).length(3),
    otherProcessesCpu: z.object({ run: share, start: share, end: share }),
  }),
  summary: z.object({
    text: z.string(),
    busy: z.boolean(),
    drift: z.enum(['steady', 'other-programs', 'slower', 'faster']),
    memory: z.enum(['flat', 'grew']),
  }),
  supervisor: z.object({ rssAfterWarmupBytes: bytes, rssEndBytes: bytes, rssGrowthPercent: z.number() }),
  workers: z.array(
    z.object({
      cameraId: z.string(),
      pids: z.array(z.number().int().positive()).min(1),
      state: z.string(),
      results: z.number().int().nonnegative(),
      restarts: z.number().int().nonnegative(),
      rssAfterWarmupBytes: bytes,
      rssEndBytes: bytes,
      rssPeakBytes: bytes,
      rssGrowthPercent: z.number(),
      rssTimelineMb: z.array(z.tuple([z.number().nonnegative(), z.number().positive()])).min(1).max(11),
      throughputStartIps: z.number().nonnegative(),
      throughputEndIps: z.number().nonnegative(),
      throughputDriftPercent: z.number(),
      framesRejected: z.number().int().nonnegative(),
      messagesRejected: z.number().int().nonnegative(),
    }),
  ),
  totals: z.object({
    results: z.number().int().nonnegative(),
    restarts: z.number().int().nonnegative(),
    throughputStartIps: z.number().nonnegative(),
    throughputEndIps: z.number().nonnegative(),
    throughputDriftPercent: z.number(),
    maxRssGrowthPercent: z.number(),
  }),
});

it('npm run soak -- --minutes 0.2 --cameras 2 writes a well-formed report with no restarts', async () => {
  const json = path.join(tmp, 'soak.json');
  const tsx = path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'tsx.cmd' : 'tsx');
  const { stdout } = await promisify(execFile)(tsx, ['bench/soak.ts', '--minutes', '0.2', '--cameras', '2', '--json', json], {
    cwd: ROOT,
    timeout: 60_000,
  });
  const report = SoakJson.parse(JSON.parse(readFileSync(json, 'utf8')));

  expect(report).toMatchObject({ minutes: 0.2, cameras: 2, model: 'face-short' });
  expect(report.workers.map((w) => w.cameraId)).toEqual(['soak-1', 'soak-2']);
  for (const w of report.workers) {
    expect(w).toMatchObject({ state: 'running', restarts: 0, framesRejected: 0, messagesRejected: 0 });
    expect(w.pids).toHaveLength(1);
    expect(w.results).toBeGreaterThan(0);
    expect(w.rssPeakBytes).toBeGreaterThanOrEqual(Math.max(w.rssAfterWarmupBytes, w.rssEndBytes));
    // The timeline runs forward in time and ends at the end RSS (MiB).
    const times = w.rssTimelineMb.map(([t]) => t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(w.rssTimelineMb.at(-1)![1]).toBeCloseTo(w.rssEndBytes / 2 ** 20, 0);
  }
  expect(report.totals.restarts).toBe(0);
  expect(report.totals.results).toBe(report.workers.reduce((n, w) => n + w.results, 0));
  // First a paragraph in plain words, with a verdict on the drift; then the table.
  expect(report.summary.text.length).toBeGreaterThan(0);
  expect(stdout.startsWith(report.summary.text)).toBe(true);
  expect(report.summary.text).toMatch(/^(WARNING: the machine was busy[^]*\n\n)?Measured: 2 cameras \(face-short\) ran flat out for 0\.2 min/);
  expect(report.summary.text.replace(/\n/g, " ")).toMatch(/Throughput: [\d,]+ detections a second after warm-up, [\d,]+ at the end \([+-][\d.]+ %\): \S/);
  expect(report.summary.text.includes('WARNING')).toBe(report.summary.busy);
  // The table names every worker and points at the JSON.
  for (const w of report.workers) expect(stdout).toContain(w.cameraId);
  expect(stdout).toContain(`JSON: ${json}`);
}, 90_000);
