#!/usr/bin/env node
/**
 * `npm install`'s postinstall: builds the XNNPACK plugin (native/) with node-gyp, quietly. node-gyp
 * and make print some forty lines of progress; they are kept and shown only if the build fails,
 * with the reason, so a good install stays quiet.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const nodeGyp = path.join(path.dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');

const child = spawn(process.execPath, [nodeGyp, 'rebuild', '--directory', 'native', '--loglevel=warn'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
const output = [];
child.stdout.on('data', (c) => output.push(c));
child.stderr.on('data', (c) => output.push(c));
child.on('error', (err) => {
  process.stderr.write(`building the XNNPACK plugin: cannot run node-gyp: ${err.message}\n`);
  process.exitCode = 1;
});
child.on('close', (code) => {
  if (code === 0) return;
  process.stderr.write(Buffer.concat(output));
  process.stderr.write(
    `\nbuilding the XNNPACK plugin (native/) failed (node-gyp exit ${code}); it needs python3, make and a C compiler.\n` +
      'The app still runs without it (no XNNPACK delegate); rebuild with `npm run build:native` once the tools are there.\n',
  );
  process.exitCode = code ?? 1;
});
