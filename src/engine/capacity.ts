/**
 * The machine's capacity line from the bench: `npm run bench` writes bench/results/latest.json,
 * whose limit.ips is one XNNPACK thread's raw invoke rate of the model times the cores. Pass
 * readBenchCapacity as the supervisor's `capacity` option; null when there is no usable result
 * (then the supervisor falls back to its own calibration), also when the result was measured on a
 * machine with a different number of cores.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from './paths';

const BenchLimit = z.object({
  machine: z.object({ cores: z.number().int().positive() }).optional(),
  limit: z.object({ ips: z.number().finite().positive() }),
});

export function benchResultFile(): string {
  return path.join(projectRoot(), 'bench', 'results', 'latest.json');
}

export function readBenchCapacity(file?: string): { ips: number; source: 'bench' } | null {
  let text: string;
  try {
    text = readFileSync(file ?? benchResultFile(), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = BenchLimit.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    // A result measured with a different number of cores is not this machine's capacity.
    if (parsed.data.machine && parsed.data.machine.cores !== os.availableParallelism()) return null;
    return { ips: parsed.data.limit.ips, source: 'bench' };
  } catch {
    return null;
  }
}
