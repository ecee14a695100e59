/**
 * Every relative link in the README, CONTRIBUTING.md and docs/ leads somewhere: the file exists,
 * and a #fragment names a heading of that Markdown file (GitHub's heading ids). Every file of the
 * repository the documents name in code (`src/engine/host.ts`, `test/support/`) exists too, so a
 * moved module shows up in the documents that describe it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

function documents(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(ROOT, 'docs', name));
  return [path.join(ROOT, 'README.md'), path.join(ROOT, 'CONTRIBUTING.md'), ...docs];
}

/** The text outside code: fenced blocks and inline code spans hold examples, not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of markdown.replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

/** Relative link targets: [text](target) and ![alt](target), without a scheme. */
function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const m of prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
    links.push(target);
  }
  return links;
}

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  const text = readFileSync(file, 'utf8');
  for (const link of relativeLinks(text)) {
    const [target, fragment] = link.split('#', 2);
    const resolved = target ? path.resolve(path.dirname(file), decodeURIComponent(target)) : file;
    if (!existsSync(resolved)) {
      broken.push(`${link}: no such file`);
      continue;
    }
    if (fragment !== undefined && resolved.endsWith('.md') && !headingIds(readFileSync(resolved, 'utf8')).has(fragment)) {
      broken.push(`${link}: no heading #${fragment}`);
    }
  }
  return broken;
}

/** Top-level folders of the repository whose files the documents name. */
const TREE = /^(src|test|e2e|bench|scripts|native|models|build|docs)\//;
/** Named in the documents but made by a run, not kept in the repository. */
const MADE_BY_RUNS = /^bench\/results\/(realtime-)?latest\.|^out\//;

/** Repository paths written as inline code: `src/engine/host.ts`, `test/support/`; no patterns. */
export function namedPaths(markdown: string): string[] {
  const paths = new Set<string>();
  for (const m of markdown.matchAll(/`([^`\s]+)`/g)) {
    const candidate = m[1].replace(/:\d+(-\d+)?$/, '');
    if (TREE.test(candidate) && /^[\w./-]+$/.test(candidate) && !MADE_BY_RUNS.test(candidate)) paths.add(candidate);
  }
  return [...paths];
}

describe('relative links in the documents', () => {
  it('finds GitHub heading ids the way GitHub makes them', () => {
    const ids = headingIds('# Serve mode\n## WebSocket (`/ws?token=TOKEN`)\n## Notes\n## Notes\n```\n# not a heading\n```\n');
    expect([...ids]).toEqual(['serve-mode', 'websocket-wstokentoken', 'notes', 'notes-1']);
  });

  it('finds the links in a document and ignores code', () => {
    expect(relativeLinks('see [a](docs/a.md#x), ![p](p.png), [w](https://x.y), `[c](c.md)`\n```\n[d](d.md)\n```\n')).toEqual([
      'docs/a.md#x',
      'p.png',
    ]);
  });

  it('finds the repository paths a document names in code', () => {
    expect(namedPaths('`src/engine/host.ts`, `test/a.test.ts:81`, `npm test`, `bench/results/*.json`, `bench/results/latest.json`')).toEqual([
      'src/engine/host.ts',
      'test/a.test.ts',
    ]);
  });

  for (const file of documents()) {
    it(`${path.relative(ROOT, file)}: every relative link resolves`, () => {
      expect(brokenLinks(file)).toEqual([]);
    });

    it(`${path.relative(ROOT, file)}: every file it names exists`, () => {
      const missing = namedPaths(readFileSync(file, 'utf8')).filter((p) => !existsSync(path.join(ROOT, p)));
      expect(missing).toEqual([]);
    });
  }
});
