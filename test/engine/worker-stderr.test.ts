/**
 * Worker stderr as the supervisor sees it: whole lines however the writes are cut, and TF Lite's
 * "Created TensorFlow Lite XNNPACK delegate" line left out (the stats say which delegate runs).
 * A real child process writes in pieces, with pauses between them.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NodeWorkerProcess } from '../../src/engine/node-launcher';

const SCRIPT = `
const pieces = ['INFO: ', 'Created TensorFlow Lite XNNPACK delegate for CPU.\\n', 'first ha', 'lf and second\\nINFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n', 'no newline at the end'];
let i = 0;
const next = () => { if (i < pieces.length) { process.stderr.write(pieces[i++]); setTimeout(next, 30); } else setTimeout(() => process.exit(3), 30); };
next();
`;

describe('worker stderr', () => {
  it('comes in whole lines, without the XNNPACK delegate notice, the last one flushed at exit', async () => {
    const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const worker = new NodeWorkerProcess(child);
    const lines: string[] = [];
    worker.on('stderr', (line) => lines.push(line));
    const code = await new Promise<number | null>((resolve) => worker.on('exit', (c) => resolve(c)));
    await new Promise((r) => setTimeout(r, 100));
    expect(code).toBe(3);
    expect(lines).toEqual(['first half and second', 'no newline at the end']);
    expect(worker.recentStderr).toEqual(lines);
  });
});
