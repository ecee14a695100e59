/**
 * The packaging hook (build/after-pack.cjs) flips the fuses it promises. Electron's binary cannot
 * be downloaded here, so the hook runs on a stand-in file carrying a fuse wire as Electron lays it
 * out (sentinel, version, length, one '0'/'1' byte per fuse).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers';
import { tempDir } from '../support/tmp';

const require = createRequire(import.meta.url);
const afterPack = require(path.join(ROOT, 'build', 'after-pack.cjs')) as (context: unknown) => Promise<void>;

function fakeElectron(dir: string): string {
  const file = path.join(dir, 'multicam-recognition');
  const wire = Buffer.from('101001110'); // RunAsNode on, cookie encryption off, NODE_OPTIONS on, inspect on, ...
  writeFileSync(file, Buffer.concat([Buffer.alloc(64, 7), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, wire.length]), wire, Buffer.alloc(64, 7)]));
  return file;
}

const ON = 49; // '1'
const OFF = 48; // '0'

describe('after-pack fuses', () => {
  it.each([
    ['a release build', undefined, OFF],
    ['a test build (MULTICAM_TEST_BUILD=1)', '1', ON],
  ])('flips the fuses for %s', async (_what, testBuild, inspect) => {
    const dir = tempDir('multicam-fuses-');
    const file = fakeElectron(dir);
    const before = process.env.MULTICAM_TEST_BUILD;
    if (testBuild) process.env.MULTICAM_TEST_BUILD = testBuild;
    else delete process.env.MULTICAM_TEST_BUILD;
    try {
      await afterPack({
        electronPlatformName: 'linux',
        appOutDir: dir,
        arch: 1,
        packager: { appInfo: { productFilename: 'Multicam Recognition' }, executableName: 'multicam-recognition' },
      });
    } finally {
      if (before === undefined) delete process.env.MULTICAM_TEST_BUILD;
      else process.env.MULTICAM_TEST_BUILD = before;
    }
    const wire = (await getCurrentFuseWire(file)) as unknown as Record<number, number>;
    expect(wire[FuseV1Options.RunAsNode]).toBe(OFF);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(ON);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(OFF);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(inspect);
  });
});
