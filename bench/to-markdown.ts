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
  `> ${json.summary.text.replace(/\n\n/g, '\n>\n> ').replace(/\n(?!>)/g, ' ')}\n\n` +
    `Limit: **${l.ips.toFixed(0)} ips**, ${json.machine.cores} processes running nothing but \`infer()\` at once ` +
    `(${l.concurrent.map((c) => `${c.processes}: ${c.ips.toFixed(0)}`).join(', ')}); one process alone × ${json.machine.cores} cores = ${l.linear_ips.toFixed(0)}.\n\n` +
    `${markdownTable(json)}\n`,
);
