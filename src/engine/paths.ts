/**
 * Where the engine finds its files: the project (or app) root, model weights from their npm
 * package, and the XNNPACK plugin built at install. A packaged app finds them under
 * process.resourcesPath instead (see electron-builder.yml).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findManifestModel } from '../shared/models';

const PACKAGE_NAME = 'multicam-recognition';

function resourcesPath(): string | undefined {
  const p = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  return p && existsSync(path.join(p, 'models')) ? p : undefined;
}

let cachedRoot: string | undefined;

/** The folder holding this project's package.json, found by walking up from this module. */
export function projectRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === PACKAGE_NAME) return (cachedRoot = dir);
      } catch {
        // not ours; keep walking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the ${PACKAGE_NAME} folder above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

export class ModelNotFoundError extends Error {}

/**
 * A manifest name (face-short) resolves to the weights inside its npm package; anything else is
 * taken as a path to a .tflite file.
 */
export function resolveModel(choice: string): { name: string; path: string; known: boolean } {
  const entry = findManifestModel(choice);
  if (!entry) {
    const file = path.resolve(choice);
    return { name: path.basename(file), path: file, known: false };
  }
  const packaged = resourcesPath();
  if (packaged) {
    const file = path.join(packaged, 'models', entry.file);
    if (existsSync(file)) return { name: entry.name, path: file, known: true };
  }
  const require = createRequire(path.join(projectRoot(), 'package.json'));
  let file: string;
  try {
    file = require.resolve(`${entry.package}/${entry.file}`);
  } catch {
    throw new ModelNotFoundError(`model ${entry.name}: ${entry.file} not found in the npm package ${entry.package} (run npm install)`);
  }
  return { name: entry.name, path: file, known: true };
}

/** The XNNPACK external-delegate plugin, or undefined if it was not built. */
export function xnnpackPluginPath(): string | undefined {
  const name = process.platform === 'win32' ? 'xnnpack_delegate.dll' : process.platform === 'darwin' ? 'xnnpack_delegate.dylib' : 'xnnpack_delegate.so';
  const candidates = [
    process.env.MULTICAM_XNNPACK_PLUGIN,
    resourcesPath() && path.join(resourcesPath()!, 'native', name),
    path.join(projectRoot(), 'native', 'build', 'Release', name),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}
