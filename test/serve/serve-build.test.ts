/**
 * Serve mode's build stamp (scripts/serve-build.mjs): which part is stale and why, in a folder laid
 * out like a checkout, and what `npm run serve` does without the build tools (a production install).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureServeBuild, outputs, staleParts } from '../../scripts/serve-build.mjs';
import { tempDir } from '../support/tmp';

function put(root: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}

const sha = (root: string, rel: string) => createHash('sha256').update(readFileSync(path.join(root, rel))).digest('hex');

/** A checkout with a server source, a renderer source and a complete build stamped from them. */
function builtCheckout(): string {
  const root = tempDir('multicam-stamp-');
  put(root, 'src/serve/cli.ts', 'export {};\n');
  put(root, 'src/renderer/main.tsx', 'export {};\n');
  put(root, 'out/serve/cli.js', '');
  put(root, 'out/serve/camera-worker.js', '');
  put(root, 'out/renderer-web/index.html', '<div id="root"></div>');
  const stamp = {
    version: 1,
    server: { inputs: { 'src/serve/cli.ts': sha(root, 'src/serve/cli.ts') } },
    renderer: { inputs: { 'src/renderer/main.tsx': sha(root, 'src/renderer/main.tsx') } },
  };
  put(root, 'out/serve/build-stamp.json', JSON.stringify(stamp));
  return root;
}

describe('the serve build stamp', () => {
  it('is fresh as built, and names the source that changed, went or appeared', () => {
    const root = builtCheckout();
    expect(staleParts(root)).toEqual({ server: null, renderer: null });

    put(root, 'src/serve/cli.ts', 'export const changed = 1;\n');
    expect(staleParts(root)).toEqual({ server: 'src/serve/cli.ts changed', renderer: null });
    rmSync(path.join(root, 'src/serve/cli.ts'));
    expect(staleParts(root).server).toBe('src/serve/cli.ts is gone');

    put(root, 'src/renderer/extra.css', 'body {}\n');
    expect(staleParts(root).renderer).toBe('src/renderer/extra.css is new');
  });

  it('calls a part without its outputs or without a stamp not built or unstamped', () => {
    const root = builtCheckout();
    rmSync(path.join(root, 'out/serve/camera-worker.js'));
    expect(staleParts(root).server).toBe('not built');
    rmSync(outputs(root).stamp);
    expect(staleParts(root).renderer).toBe('built without a stamp');
  });

  it('counts a build as fresh where there are no sources to compare with', () => {
    const root = builtCheckout();
    rmSync(path.join(root, 'src'), { recursive: true });
    expect(staleParts(root)).toEqual({ server: null, renderer: null });
  });
});

describe('npm run serve without the build tools (a production install)', () => {
  it('runs a stale build with a warning, and refuses to run without a build', async () => {
    const root = builtCheckout();
    put(root, 'src/serve/cli.ts', 'export const changed = 1;\n');
    const lines: string[] = [];
    await ensureServeBuild({ root, log: (line) => lines.push(line) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('the build tools are not installed');

    rmSync(path.join(root, 'out/renderer-web/index.html'));
    await expect(ensureServeBuild({ root, log: () => undefined })).rejects.toThrow(/not built, and the build tools \(devDependencies\) are not installed/);
  });
});
