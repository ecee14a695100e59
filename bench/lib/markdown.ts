/** The results table as Markdown, for docs/bench.md. */
import { seriesName } from './report';
import type { BenchJson } from './schema';

export function markdownTable(json: BenchJson): string {
  const lines = [
    '| strategy | N | threads | ips | per stream | p50 ms | p95 ms | CPU | × limit | wrong stream | notes |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
  ];
  for (const r of json.results) {
    const notes = [r.long_tasks ? `long tasks: ${r.long_tasks.count}, ${r.long_tasks.total_ms.toFixed(0)} ms` : '', r.dropped ? `dropped ${r.dropped}` : '', r.note ?? '']
      .filter(Boolean)
      .join('; ');
    lines.push(
      `| ${seriesName(r)} | ${r.streams} | ${r.threads} | ${r.ips.toFixed(0)} | ${r.per_stream_ips.toFixed(1)} | ${r.p50_ms.toFixed(2)} | ${r.p95_ms.toFixed(2)} | ${(r.cpu * 100).toFixed(0)}% | ${r.ratio_to_limit.toFixed(2)} | ${r.misattributed} | ${notes} |`,
    );
  }
  return lines.join('\n');
}
