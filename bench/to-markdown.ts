/** npx tsx bench/to-markdown.ts [bench/results/latest.json]: the results table in Markdown, for docs/bench.md. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/engine/paths';
import { markdownTable } from './lib/markdown';
import { BenchJsonSchema } from './lib/schema';

const file = process.argv[2] ?? path.join(projectRoot(), 'bench', 'results', 'latest.json');
const json = BenchJsonSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
const l = json.limit;
process.stdout.write(
  `Limit: **${l.ips.toFixed(0)} ips** = ${l.single_thread_ips.toFixed(0)} ips (1 thread, 1 process, ${l.delegate}) × ${json.machine.cores} cores.\n\n` +
    `${markdownTable(json)}\n\n` +
    json.criteria.map((c) => `- ${c.pass === null ? 'n/a' : c.pass ? 'PASS' : 'FAIL'}: ${c.name}: ${c.value === null ? '-' : c.value.toFixed(2)} (needs ${c.target}); ${c.detail}`).join('\n') +
    '\n',
);
