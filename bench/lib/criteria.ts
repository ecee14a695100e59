/**
 * The done-criteria, checked against one run. On a busy machine they say more about the
 * machine than about the code: the JSON records the load average next to them.
 */
import type { ResultRow } from './types';

export interface Criterion {
  name: string;
  /** Measured value (a ratio) and the bar it has to reach. */
  value: number | null;
  target: number;
  pass: boolean | null;
  detail: string;
}

function row(rows: ResultRow[], strategy: ResultRow['strategy'], n: number, threads?: number): ResultRow | undefined {
  return rows.find((r) => r.strategy === strategy && r.streams === n && (threads === undefined || r.threads === threads));
}

export function checkCriteria(rows: ResultRow[], cores: number, limitIps: number): Criterion[] {
  const out: Criterion[] = [];
  const ppc = rows.filter((r) => r.strategy === 'process-per-camera');
  const atOrAbove = ppc.filter((r) => r.streams >= cores);
  if (atOrAbove.length > 0) {
    const worst = atOrAbove.reduce((a, b) => (b.ratio_to_limit < a.ratio_to_limit ? b : a));
    out.push({
      name: `process-per-camera >= 80% of the limit at N >= cores (${cores})`,
      value: worst.ratio_to_limit,
      target: 0.8,
      pass: worst.ratio_to_limit >= 0.8,
      detail: `lowest at N=${worst.streams}: ${worst.ips.toFixed(0)} of ${limitIps.toFixed(0)} ips`,
    });
  }
  const compare = (name: string, n: number, other: ResultRow | undefined, target: number) => {
    const mine = row(rows, 'process-per-camera', n);
    if (!mine || !other) {
      out.push({ name, value: null, target, pass: null, detail: 'not measured in this run' });
      return;
    }
    const value = other.ips > 0 ? mine.ips / other.ips : Infinity;
    out.push({
      name,
      value: Number.isFinite(value) ? value : null,
      target,
      pass: value >= target,
      detail: `${mine.ips.toFixed(0)} vs ${other.ips.toFixed(0)} ips at N=${n}`,
    });
  };
  compare(`process-per-camera >= 1.6x shared-lock (1 thread) at N = cores (${cores})`, cores, row(rows, 'shared-lock', cores, 1), 1.6);
  compare('process-per-camera >= 5x process-out-of-box at N = 4', 4, row(rows, 'process-out-of-box', 4), 5);
  for (const b of rows.filter((r) => r.strategy === 'browser-wasm')) {
    compare(`process-per-camera >= 3x browser-wasm at N = ${b.streams}`, b.streams, b, 3);
  }
  return out;
}
