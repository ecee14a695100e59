/**
 * Security: a model path can name any file. Only a regular file of at most 64 MB is read, once,
 * and every unusable file gets the same message, so the error says nothing about what exists.
 * Before: /dev/zero grew a worker ~30 MB/s, a FIFO hung it in 'starting', and a missing file
 * said "not found" where an unreadable one said "not a valid TF Lite model".
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CameraSupervisor } from '../../src/engine/supervisor';
import { MAX_MODEL_BYTES, readModelFile } from '../../src/workers/model-file';
import { makeSupervisor } from '../engine/helpers';

const base = mkdtempSync(path.join(os.tmpdir(), 'multicam-modelfile-'));
let supervisor: CameraSupervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function unusable(): Record<string, string> {
  const dir = mkdtempSync(path.join(base, 'case-'));
  const files: Record<string, string> = {};
  files.missing = path.join(dir, 'missing.tflite');
  files.directory = path.join(dir, 'folder.tflite');
  mkdirSync(files.directory, { recursive: true });
  files.garbage = path.join(dir, 'garbage.tflite');
  writeFileSync(files.garbage, 'not a model '.repeat(100));
  files.empty = path.join(dir, 'empty.tflite');
  writeFileSync(files.empty, '');
  files.huge = path.join(dir, 'huge.tflite');
  const fd = openSync(files.huge, 'w');
  ftruncateSync(fd, MAX_MODEL_BYTES + 1); // sparse: no disk used
  closeSync(fd);
  if (process.platform !== 'win32') {
    files.fifo = path.join(dir, 'fifo.tflite');
    execFileSync('mkfifo', [files.fifo]);
    files.device = '/dev/zero';
  }
  return files;
}

describe('model files', () => {
  it('refuses every file it cannot read as a model file with one message that names only the path', () => {
    // Garbage is a readable file: the interpreter refuses it, with the same words (below).
    for (const [kind, file] of Object.entries(unusable()).filter(([kind]) => kind !== 'garbage')) {
      expect(() => readModelFile(file), kind).toThrow(`cannot load model ${file}: cannot use this file (a readable TF Lite model file of at most 64 MB is needed)`);
    }
  });

  it('cameras on a missing file, a directory, a FIFO, /dev/zero, a 64 MB+ file or garbage all end in error with the same words, none hangs', async () => {
    const files = unusable();
    supervisor = makeSupervisor({ startTimeoutMs: 30_000 });
    const s = supervisor;
    const ids = Object.entries(files).map(([kind, file]) => ({ kind, file, id: s.addCamera({ name: kind, source: { kind: 'external' }, model: file }) }));
    const messages = new Set<string>();
    for (const { kind, file, id } of ids) {
      const status = await s.waitForState(id, 'error', 30_000);
      expect(status.restarts, kind).toBe(0);
      expect(status.error, kind).toContain(file);
      messages.add(status.error!.replace(file, 'FILE'));
    }
    expect([...messages]).toEqual(['cannot load model FILE: cannot use this file (a readable TF Lite model file of at most 64 MB is needed)']);
  });
});
