#!/usr/bin/env node
/**
 * `npm install`'s postinstall: builds the XNNPACK plugin (native/) with node-gyp, quietly. node-gyp
 * and make print some forty lines of progress; they are kept and shown only if the build fails,
 * with the reason, so a good install stays quiet.
 *
 * node-gyp is the project's devDependency when it is installed, else the one npm ships and names
 * in npm_config_node_gyp for every script it runs: a production install (`npm ci --omit=dev`) has
 * no devDependencies and still builds the plugin.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
function findNodeGyp() {
  try {
    return path.join(path.dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
  } catch {
    return process.env.npm_config_node_gyp || null;
  }
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  process.stderr.write(
    'building the XNNPACK plugin (native/): node-gyp is not installed and this was not started by npm (which ships one);\n' +
      'the app runs without the plugin (no XNNPACK delegate); run `npm run build:native` to build it.\n',
  );
  process.exit(0);
}

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
