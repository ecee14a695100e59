/**
 * The folders' rule (CONTRIBUTING.md, layout): src/engine and src/workers never import each other;
 * what both need lives below them in src/node (Node code) or src/shared (what crosses a process
 * boundary or runs on both sides), and src/shared imports neither, nor src/node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const SRC = path.join(ROOT, 'src');
const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts'))
    .map((name) => path.join(dir, name));
}

/** The top folder under src/ of every relative import of `file`. */
export function importedFolders(file: string): { spec: string; folder: string }[] {
  const text = readFileSync(file, 'utf8');
  const found: { spec: string; folder: string }[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const target = path.relative(SRC, path.resolve(path.dirname(file), spec));
    if (target.startsWith('..')) continue;
    found.push({ spec, folder: target.split(path.sep)[0] });
  }
  return found;
}

const FORBIDDEN: Record<string, string[]> = {
  engine: ['workers'],
  workers: ['engine'],
  shared: ['engine', 'workers', 'node', 'main', 'serve', 'cli', 'renderer'],
  node: ['engine', 'workers', 'main', 'serve', 'cli', 'renderer'],
};

describe('folders by responsibility', () => {
  for (const [folder, forbidden] of Object.entries(FORBIDDEN)) {
    it(`src/${folder} imports nothing of ${forbidden.join(', ')}`, () => {
      const crossings = sources(path.join(SRC, folder)).flatMap((file) =>
        importedFolders(file)
          .filter((i) => forbidden.includes(i.folder))
          .map((i) => `${path.relative(ROOT, file)} imports ${i.spec}`),
      );
      expect(crossings).toEqual([]);
    });
  }

  it('finds an import across folders when there is one (the check can fail)', () => {
    const engineFile = sources(path.join(SRC, 'engine')).find((f) => importedFolders(f).some((i) => i.folder === 'shared'));
    expect(engineFile).toBeDefined();
  });
});
