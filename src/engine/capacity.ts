/**
 * The files the thread planner keeps in the configuration folder (beside config.json, the app's
 * userData in the desktop app): calibration.json, the per-model thread calibrations the engine
 * measures itself, and capacity.json, the machine's measured ceiling that `npm run bench` writes
 * there (limit.ips: every core running one interpreter at once). The capacity is null when the file
 * is missing or unusable, also when it was measured with a different number of cores; the planner
 * then falls back to calibration x cores.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../node/files';

export const CALIBRATION_FILE_NAME = 'calibration.json';
export const CAPACITY_FILE_NAME = 'capacity.json';

const CapacityFile = z.object({
  machine: z.object({ cores: z.number().int().positive() }).optional(),
  limit: z.object({ ips: z.number().finite().positive() }),
});

/** calibration.json and capacity.json in the folder of this configuration file. */
export function plannerFiles(configFile: string): { calibrationFile: string; capacityFile: string } {
  const dir = path.dirname(configFile);
  return { calibrationFile: path.join(dir, CALIBRATION_FILE_NAME), capacityFile: path.join(dir, CAPACITY_FILE_NAME) };
}

export function readCapacityFile(file: string): { ips: number; source: 'bench' } | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = CapacityFile.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    // A figure measured with a different number of cores is not this machine's capacity.
    if (parsed.data.machine && parsed.data.machine.cores !== os.availableParallelism()) return null;
    return { ips: parsed.data.limit.ips, source: 'bench' };
  } catch {
    return null;
  }
}

/** What the bench writes: the ceiling it measured, on how many cores, with which model. */
export function writeCapacityFile(file: string, figures: { cores: number; ips: number; model: string; measuredAt: string }): void {
  const body = { machine: { cores: figures.cores }, limit: { ips: figures.ips }, model: figures.model, measured_at: figures.measuredAt };
  writeFileAtomic(file, `${JSON.stringify(body, null, 2)}\n`);
}
