/** The XNNPACK plugin: built by npm install, used by default, reported by the worker's stats. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot, resolveModel, xnnpackPluginPath } from '../../src/engine/paths';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import { makeSupervisor } from './helpers';
import { untilValue } from '../support/process';
import { tempDir } from '../support/tmp';

let supervisor: CameraSupervisor | null = null;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = null;
});

describe('XNNPACK delegate plugin', () => {
  it('is built by npm install into native/build and exports the external-delegate entry points', () => {
    const plugin = xnnpackPluginPath();
    expect(plugin).toBe(path.join(projectRoot(), 'native', 'build', 'Release', 'xnnpack_delegate.so'));
    expect(existsSync(plugin!)).toBe(true);
    const symbols = execFileSync('nm', ['-D', '--defined-only', plugin!], { encoding: 'utf8' });
    expect(symbols).toMatch(/ T tflite_plugin_create_delegate$/m);
    expect(symbols).toMatch(/ T tflite_plugin_destroy_delegate$/m);
  });

  it('is active by default, as the worker stats report', async () => {
    supervisor = makeSupervisor();
    const id = supervisor.addCamera({ name: 'default', source: { kind: 'external' } });
    const ready = await supervisor.waitForState(id, 'running');
    expect(ready.delegate).toBe('xnnpack');
    // One stats heartbeat from the worker itself (it carries the process's RSS).
    const s = await untilValue('a stats heartbeat', () => supervisor!.snapshot().cameras.find((c) => c.rssBytes > 0));
    expect(s.delegate).toBe('xnnpack');
    expect(s.pid).toBe(ready.pid);
  });

  it('is off when the setting says so', async () => {
    supervisor = makeSupervisor({ settings: { delegate: 'none' } });
    const id = supervisor.addCamera({ name: 'plain', source: { kind: 'external' } });
    expect((await supervisor.waitForState(id, 'running')).delegate).toBe('none');
  });

  it('falls back to no delegate, with a notice, when the plugin is broken', async () => {
    // A file that is not a plugin at all: tfjs-tflite-node crashes the worker loading it.
    const bogus = path.join(tempDir('multicam-plugin-'), 'xnnpack_delegate.so');
    copyFileSync(resolveModel('face-short').path, bogus);
    supervisor = makeSupervisor({ delegatePath: bogus });
    const notices: string[] = [];
    supervisor.on('notice', (n) => notices.push(n.message));
    const id = supervisor.addCamera({ name: 'fallback', source: { kind: 'external' } });
    const st = await supervisor.waitForState(id, 'running');
    expect(st.delegate).toBe('none');
    expect(notices.join('\n')).toMatch(/XNNPACK plugin .* crashed a worker/);
  });
});
