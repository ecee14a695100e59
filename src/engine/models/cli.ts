/**
 * npm run models -- [--out DIR]
 *
 * Extracts and checks every model the manifest names: into the cache (what first use would do),
 * or with --out into one folder holding every file, as packaging ships them (electron-builder
 * copies build/models to the app's resources). Progress on stderr; exit 1 if any model failed,
 * the others are still extracted.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { manifest } from '../../shared/models';
import { projectRoot } from '../paths';
import { modelCacheDir, ModelAssetError, resolveAsset, type ResolveContext } from './assets';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ? path.resolve(values.out) : undefined;
const ctx: ResolveContext = {
  packageJson: path.join(projectRoot(), 'package.json'),
  cacheDir: modelCacheDir(),
  progress: (line) => process.stderr.write(`models: ${line}\n`),
};
let failed = 0;
for (const m of manifest.models) {
  const assets = [m, ...(m.landmarks ? [m.landmarks] : []), ...(m.labelMap ? [{ ...m.labelMap, package: m.package }] : [])];
  try {
    for (const asset of assets) {
      const file = resolveAsset(asset, ctx);
      if (out) {
        mkdirSync(out, { recursive: true });
        copyFileSync(file, path.join(out, asset.file));
      }
    }
    process.stderr.write(`models: ${m.name} ready\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`models: ${m.name}: ${err instanceof ModelAssetError ? err.message : String(err)}\n`);
  }
}
if (out) process.stderr.write(`models: files in ${out}\n`);
process.exit(failed > 0 ? 1 : 0);
