/** The bench's table (stdout) and chart (SVG, drawn here: axes, one line per strategy, the limit). */
import type { BenchJson } from './schema';
import type { ResultRow } from './types';

function fmt(v: number, digits = 0): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

/** Strategy label for table and chart; shared-lock carries its thread count since it runs twice, seed-python its design. */
export function seriesName(r: Pick<ResultRow, 'strategy' | 'threads' | 'variant'>): string {
  if (r.strategy === 'shared-lock') return `shared-lock (${r.threads} thread${r.threads > 1 ? 's' : ''})`;
  if (r.variant) return `${r.strategy} (${r.variant})`;
  return r.strategy;
}

/**
 * Adds the plain reason to a row that needs one: nothing (or almost nothing) answered, or more
 * interpreter threads than cores.
 */
export function explainRow(r: ResultRow, cores: number, seconds: number): ResultRow {
  const notes = r.note ? [r.note] : [];
  const threads = r.interpreters * r.threads;
  if (r.ips < 1) {
    notes.push(r.frames === 0 ? `no frame was answered in the ${seconds} s window` : `fewer than one answer a second`);
  }
  // More interpreters than cores at 1 thread each is fine (the OS shares the cores); more threads
  // per interpreter than the cores can carry is not.
  if (threads > cores && r.threads > 1 && r.delegate !== 'wasm' && r.strategy !== 'seed-python') {
    notes.push(
      r.delegate === 'xnnpack'
        ? `${r.interpreters} x ${r.threads} XNNPACK threads on ${cores} cores: they spin waiting for each other, which is why the app's thread budget never allows it`
        : `${r.interpreters} x ${r.threads} threads on ${cores} cores`,
    );
  }
  return notes.length > 0 ? { ...r, note: notes.join('; ') } : r;
}

export function table(json: BenchJson): string {
  const head = ['strategy', 'N', 'threads', 'ips', 'per stream', 'p50 ms', 'p95 ms', 'cpu', 'x limit', 'wrong', 'notes'];
  const rows: string[][] = json.results.map((r) => [
    seriesName(r),
    String(r.streams),
    String(r.threads),
    fmt(r.ips),
    fmt(r.per_stream_ips, 1),
    fmt(r.p50_ms, 2),
    fmt(r.p95_ms, 2),
    `${fmt(r.cpu * 100)}%`,
    fmt(r.ratio_to_limit, 2),
    String(r.misattributed),
    [r.long_tasks ? `long tasks ${r.long_tasks.count} (${fmt(r.long_tasks.total_ms)} ms)` : '', r.dropped ? `dropped ${r.dropped}` : '', r.note ?? '']
      .filter(Boolean)
      .join('; '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const l = json.limit;
  const other = json.run.other_processes_cpu;
  const out = [
    json.summary.text,
    '',
    'Details',
    `limit: ${fmt(l.ips)} ips, ${l.concurrent.length > 1 ? `${l.concurrent.length} processes` : '1 process'} each running nothing but infer() (1 thread, ${l.delegate}) at once` +
      ` [1..${json.machine.cores} processes: ${l.concurrent.map((c) => fmt(c.ips)).join(', ')}]; one process alone x ${json.machine.cores} cores would be ${fmt(l.linear_ips)}` +
      `; one interpreter by threads: ${l.by_threads.map((p) => `${p.threads}t ${fmt(p.ips)}`).join(', ')}`,
    `machine: ${json.machine.cpu}, ${json.machine.cores} cores, node ${json.machine.node}; load average before ${json.run.load_average_before.map((x) => x.toFixed(2)).join(' ')}, ` +
      `after ${json.run.load_average_after.map((x) => x.toFixed(2)).join(' ')}${other === null ? '' : `; other programs used ${fmt(other * 100)}% of the CPU during the run`}`,
    'ips = answered frames a second, all streams together; cpu = share of all cores the bench and its processes used; ' +
      'wrong = answers that went back to another stream than the one that sent the frame.',
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ];
  for (const s of json.skipped) out.push('', `skipped ${s.strategy}: ${s.reason}`);
  const c = json.correctness.interleaving;
  if ('unlocked' in c) {
    out.push(
      '',
      `Sharing one interpreter: ${c.callers} async callers that write their frame, await, then run and read ` +
        `got ${c.unlocked.misattributed} of ${c.unlocked.results} answers wrong without a lock, ${c.locked.misattributed} of ${c.locked.results} with a mutex, ` +
        `and ${c.detector_run.misattributed} of ${c.detector_run.results} writing, running and reading in one synchronous call (infer() returns ${c.infer_returns}).`,
    );
  }
  const o = json.overhead;
  if ('pieces' in o) {
    const p = o.pieces;
    out.push(
      '',
      `Where a frame's time goes in the app's way (ms): inference ${fmt(p.infer_ms, 3)}; converting the pixels to the model's input ${fmt(p.normalize_ms, 3)}; ` +
        `turning the output into boxes ${fmt(p.decode_ms, 3)}; putting the frame in its binary form ${fmt(p.encode_frame_ms, 3)}; checking the frame in the worker ${fmt(p.zod_frame_parse_ms, 3)} and the result in main ${fmt(p.zod_result_parse_ms, 3)}; ` +
        `packing and unpacking the frame message ${fmt(p.serialize_frame_ms, 3)} + ${fmt(p.deserialize_frame_ms, 3)}, the result ${fmt(p.serialize_result_ms, 3)} + ${fmt(p.deserialize_result_ms, 3)}; ` +
        `a frame out and its result back between two processes ${fmt(p.ipc_roundtrip_ms, 3)} wall, ${fmt(p.ipc_cpu_ms, 3)} CPU ` +
        `(without the pixels ${fmt(p.ipc_roundtrip_no_pixels_ms, 3)} / ${fmt(p.ipc_cpu_no_pixels_ms, 3)}` +
        (p.ipc_cpu_slot_ms !== undefined ? `; the pixels through a frame slot, as the app sends them, ${fmt(p.ipc_roundtrip_slot_ms ?? 0, 3)} / ${fmt(p.ipc_cpu_slot_ms, 3)}` : '') +
        `). Inference is ~${fmt(o.estimated_ceiling_share * 100)}% of a frame's CPU.`,
    );
    const c = o.message_ceiling;
    if (c) {
      const best = c.reduce((a, b) => (b.ratio_to_limit > a.ratio_to_limit ? b : a));
      out.push(
        `The message ceiling: ${c[0].processes} processes that only wait ${fmt(c[0].spin_ms, 3)} ms (one inference while every core runs one) ` +
          `and exchange the app's two messages per frame (the frame through a frame slot, the result back) did ` +
          c.map((x) => `${fmt(x.ips)} a second with ${x.in_flight} in flight (${fmt(x.ratio_to_limit, 2)} of the limit)`).join(', ') +
          `: no design with one message each way per frame gets past ${fmt(best.ratio_to_limit, 2)} on this machine.`,
      );
    }
    for (const r of o.runs) {
      out.push(
        `  process-per-camera N=${r.streams}: frame to answer p50 ${fmt(r.end_to_end_p50_ms, 2)} ms, of which inference ${fmt(r.infer_p50_ms, 2)} ms; ` +
          `CPU per frame: main process ${fmt(r.main_cpu_ms_per_frame, 3)} ms + workers ${fmt(r.workers_cpu_ms_per_frame, 3)} ms = inference + ${fmt(r.cpu_outside_infer_ms_per_frame, 3)} ms` +
          (r.share_of_message_ceiling !== undefined ? `; ${fmt(r.share_of_message_ceiling, 2)} of the message ceiling` : ''),
      );
    }
  }
  return out.join('\n');
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

function niceStep(max: number, ticks = 6): number {
  const raw = max / ticks;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Aggregate inferences/s against streams: one line per strategy, a dashed line for the limit. */
export function chart(json: BenchJson): string {
  const W = 820;
  const H = 460;
  const m = { left: 70, right: 250, top: 50, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const ns = [...new Set(json.results.map((r) => r.streams))].sort((a, b) => a - b);
  const xs = ns.length > 0 ? ns : [1];
  const maxY = Math.max(json.limit.ips, json.limit.linear_ips, ...json.results.map((r) => r.ips), 1) * 1.1;
  const step = niceStep(maxY);
  const top = Math.ceil(maxY / step) * step;
  const x = (n: number) => m.left + (xs.length === 1 ? pw / 2 : (xs.indexOf(n) / (xs.length - 1)) * pw);
  const y = (v: number) => m.top + ph - (v / top) * ph;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  parts.push(
    `<text x="${m.left}" y="24" font-size="15" font-weight="bold">${esc(`${json.run.model.name}: aggregate inferences/s vs concurrent streams`)}</text>`,
    `<text x="${m.left}" y="40" fill="#555">${esc(
      `${json.machine.cpu}, ${json.machine.cores} cores, ${json.run.seconds} s per point, load average ${json.run.load_average_before[0].toFixed(1)} at start`,
    )}</text>`,
  );
  for (let v = 0; v <= top + 1e-9; v += step) {
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (const n of xs) {
    parts.push(`<line x1="${x(n).toFixed(1)}" x2="${x(n).toFixed(1)}" y1="${m.top + ph}" y2="${m.top + ph + 5}" stroke="#333"/>`);
    parts.push(`<text x="${x(n).toFixed(1)}" y="${m.top + ph + 20}" text-anchor="middle">${n}</text>`);
  }
  parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${m.top + ph}" y2="${m.top + ph}" stroke="#333"/>`);
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + ph}" stroke="#333"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${H - 18}" text-anchor="middle">concurrent streams (N)</text>`);
  parts.push(`<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">inferences per second (all streams)</text>`);

  const legend: Array<{ name: string; color: string; dash?: string }> = [];
  const ly = json.limit.ips;
  parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(ly).toFixed(1)}" y2="${y(ly).toFixed(1)}" stroke="#000" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  legend.push({ name: `limit ${fmt(ly)} ips (${json.machine.cores} processes at once)`, color: '#000', dash: '6 4' });
  const lin = json.limit.linear_ips;
  parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y(lin).toFixed(1)}" y2="${y(lin).toFixed(1)}" stroke="#888" stroke-width="1.5" stroke-dasharray="2 3"/>`);
  legend.push({ name: `1 process x ${json.machine.cores} cores ${fmt(lin)} ips`, color: '#888', dash: '2 3' });

  const series = new Map<string, ResultRow[]>();
  for (const r of json.results as ResultRow[]) {
    const key = seriesName(r);
    series.set(key, [...(series.get(key) ?? []), r]);
  }
  let i = 0;
  for (const [name, rows] of series) {
    const color = COLORS[i++ % COLORS.length];
    const pts = rows.sort((a, b) => a.streams - b.streams).map((r) => `${x(r.streams).toFixed(1)},${y(r.ips).toFixed(1)}`);
    if (pts.length > 1) parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of pts) {
      const [px, py] = p.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${color}"/>`);
    }
    legend.push({ name, color });
  }
  legend.forEach((l, k) => {
    const lx = m.left + pw + 20;
    const yy = m.top + 10 + k * 22;
    parts.push(`<line x1="${lx}" x2="${lx + 26}" y1="${yy}" y2="${yy}" stroke="${l.color}" stroke-width="2"${l.dash ? ` stroke-dasharray="${l.dash}"` : ''}/>`);
    parts.push(`<text x="${lx + 32}" y="${yy + 4}">${esc(l.name)}</text>`);
  });
  for (const s of json.skipped) {
    const k = legend.length + json.skipped.indexOf(s);
    parts.push(`<text x="${m.left + pw + 20}" y="${m.top + 10 + k * 22 + 4}" fill="#888">${esc(`${s.strategy}: skipped`)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
