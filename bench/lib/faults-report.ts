/**
 * The faults report's JSON shape (checked before it is written, and by its test) and its text:
 * a plain-words first paragraph, then one line per kill.
 */
import { z } from 'zod';
import { busyMachine, wrap } from './summary';

const ms = z.number().nonnegative();

export const FaultsJsonSchema = z.object({
  kind: z.literal('multicam-faults'),
  version: z.literal(1),
  startedAt: z.string(),
  cameras: z.number().int().min(2),
  windowSeconds: z.number().positive(),
  /** The recovery deadline the README promises after a SIGKILL. */
  recoveryDeadlineMs: z.number().positive(),
  machine: z.object({
    cpu: z.string(),
    cores: z.number().int().positive(),
    node: z.string(),
    loadAverageStart: z.array(z.number()).length(3),
    loadAverageEnd: z.array(z.number()).length(3),
    /** Share of all cores other programs used during the run (null: unknown). */
    otherProcessesCpu: z.number().min(0).max(1).nullable(),
  }),
  kills: z
    .array(
      z.object({
        cameraId: z.string(),
        oldPid: z.number().int().positive(),
        newPid: z.number().int().positive().nullable(),
        /** From the kill to the replacement running; null if it never came back. */
        recoveryMs: ms.nullable(),
        /** The other cameras' results in the window before the kill and in the window from it. */
        othersBefore: z.number().int().nonnegative(),
        othersAfter: z.number().int().nonnegative(),
        ratio: z.number().nonnegative().nullable(),
        /** The killed camera's results between its recovery and the end of the window. */
        resultsAfterRecovery: z.number().int().nonnegative(),
        othersRestarted: z.boolean(),
      }),
    )
    .min(1),
  totals: z.object({
    othersBefore: z.number().int().nonnegative(),
    othersAfter: z.number().int().nonnegative(),
    /** The others' throughput over every kill: after / before. */
    ratio: z.number().nonnegative().nullable(),
    recoveryMsMax: ms.nullable(),
    allRecovered: z.boolean(),
  }),
  summary: z.object({ text: z.string().min(1), busy: z.boolean() }),
});
export type FaultsJson = z.infer<typeof FaultsJsonSchema>;

type Draft = Omit<FaultsJson, 'summary'>;

/** What the kills mean, in plain words. */
export function faultsSummary(r: Draft): FaultsJson['summary'] {
  const busy = busyMachine(r.machine.loadAverageStart[0], r.machine.otherProcessesCpu, r.machine.cores);
  const paras: string[] = [];
  if (busy) {
    const share = r.machine.otherProcessesCpu;
    paras.push(
      `WARNING: the machine was busy (${share !== null ? `other programs used ${Math.round(share * 100)} % of the CPU` : `load average ${r.machine.loadAverageStart[0].toFixed(1)} on ${r.machine.cores} cores`}): ` +
        'the throughput figures below say as much about the other programs as about the app. Run it again when the machine is idle.',
    );
  }
  const n = r.kills.length;
  const recovered = r.kills.filter((k) => k.recoveryMs !== null).map((k) => k.recoveryMs!);
  const s: string[] = [];
  s.push(
    `Measured: with ${r.cameras} cameras running flat out, a camera's worker process was killed (SIGKILL) ${n === 1 ? 'once' : `${n} times, a different camera each time`}.`,
  );
  if (r.totals.allRecovered) {
    const lo = Math.min(...recovered);
    const hi = Math.max(...recovered);
    const within = hi <= r.recoveryDeadlineMs;
    s.push(
      `${n === 1 ? 'It was' : 'Each was'} running again in ${lo === hi ? `${lo} ms` : `${lo} to ${hi} ms`}${within ? `, within the ${r.recoveryDeadlineMs / 1000} s the app promises` : `: LONGER than the ${r.recoveryDeadlineMs / 1000} s the app promises`}, and answered frames again.`,
    );
  } else {
    s.push(`${n - recovered.length} of ${n} did NOT come back within 10 s: something is wrong.`);
  }
  const ratio = r.totals.ratio;
  if (ratio !== null) {
    const pct = Math.round(ratio * 100);
    const verdict =
      ratio >= 0.9
        ? 'a crash costs the others nothing that matters'
        : ratio >= 0.75
          ? 'they slowed a little while the replacement started (it loads its model on the same cores)'
          : 'they slowed markedly';
    s.push(
      `The other camera${r.cameras > 2 ? 's' : ''} answered ${pct} % as many frames in the ${r.windowSeconds} s from each kill as in the ${r.windowSeconds} s before it: ${verdict}` +
        `${r.kills.some((k) => k.othersRestarted) ? '. But another camera restarted too' : ''}.`,
    );
  }
  paras.push(s.join(' '));
  return { text: paras.map((p) => wrap(p)).join('\n\n'), busy };
}

export function faultsTable(r: FaultsJson): string {
  const m = r.machine;
  const lines = [
    r.summary.text,
    '',
    'Details',
    `machine: ${m.cpu}, ${m.cores} cores, node ${m.node}; load average ${m.loadAverageStart.map((x) => x.toFixed(2)).join(' ')} -> ${m.loadAverageEnd.map((x) => x.toFixed(2)).join(' ')}` +
      `${m.otherProcessesCpu === null ? '' : `; other programs used ${Math.round(m.otherProcessesCpu * 100)}% of the CPU`}`,
  ];
  for (const k of r.kills) {
    lines.push(
      `  killed ${k.cameraId} (pid ${k.oldPid}): ${k.recoveryMs === null ? 'never came back' : `running again in ${k.recoveryMs} ms as pid ${k.newPid}, ${k.resultsAfterRecovery} results before the window ended`}; ` +
        `others ${k.othersBefore} -> ${k.othersAfter} results${k.ratio === null ? '' : ` (${k.ratio.toFixed(3)})`}${k.othersRestarted ? '; another camera restarted' : ''}`,
    );
  }
  lines.push(`  over all kills: others ${r.totals.othersBefore} -> ${r.totals.othersAfter}${r.totals.ratio === null ? '' : ` (${r.totals.ratio.toFixed(3)})`}`);
  return lines.join('\n');
}
