/**
 * seed-python: the seed's own designs in Python with TensorFlow (bench/python/seed_bench.py), on
 * the same model and the same stream frames: one tf.lite.Interpreter behind a mutex, and a pool
 * with one interpreter per thread. Runs where `python3 -c 'import tensorflow'` works (set
 * MULTICAM_PYTHON for another interpreter); otherwise the bench skips it and says why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { findManifestModel } from '../../src/shared/models';
import { benchFile } from '../lib/tsx';
import type { BenchContext, RowDraft } from '../lib/types';

const python = () => process.env.MULTICAM_PYTHON || 'python3';

const Line = z.discriminatedUnion('type', [
  z.object({ type: z.literal('info'), tensorflow: z.string(), expected: z.array(z.number().int()) }),
  z.object({
    type: z.literal('row'),
    design: z.enum(['mutex', 'pool']),
    streams: z.number().int().positive(),
    interpreters: z.number().int().positive(),
    threads: z.number().int().positive(),
    ips: z.number().nonnegative(),
    min_stream_ips: z.number().nonnegative(),
    max_stream_ips: z.number().nonnegative(),
    p50_ms: z.number().nonnegative(),
    p95_ms: z.number().nonnegative(),
    cpu: z.number().nonnegative(),
    misattributed: z.number().int().nonnegative(),
    frames: z.number().int().nonnegative(),
  }),
]);

/** Why seed-python cannot run here, or null when it can. */
export function seedPythonUnavailable(ctx: BenchContext): string | null {
  if (!findManifestModel(ctx.model.name)) return 'needs a manifest model (its normalisation and a score output to check answers)';
  const r = spawnSync(python(), ['-c', 'import numpy, tensorflow'], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  if (r.error) return `${python()} cannot be started (${r.error.message})`;
  if (r.status !== 0) {
    const last = (r.stderr ?? '').trim().split('\n').at(-1) ?? '';
    return `Python has no TensorFlow here (${python()} -c 'import tensorflow': ${last || `exit ${r.status}`}); pip install tensorflow-cpu to run it`;
  }
  return null;
}

export async function runSeedPython(ctx: BenchContext, streams: number[], onRow: (r: RowDraft) => void): Promise<string> {
  const manifest = findManifestModel(ctx.model.name)!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-seed-'));
  try {
    const framesFile = path.join(dir, 'frames.rgb');
    writeFileSync(framesFile, Buffer.concat(ctx.frames.slice(0, Math.max(...streams)).map((f) => Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength))));
    const config = {
      model: ctx.model.path,
      frames: framesFile,
      width: ctx.model.inputWidth,
      height: ctx.model.inputHeight,
      streams,
      designs: ['mutex', 'pool'],
      seconds: ctx.seconds,
      warmup: ctx.warmupSeconds,
      cores: ctx.cores,
      mean: manifest.normalization?.mean ?? 127.5,
      std: manifest.normalization?.std ?? 127.5,
    };
    const child = spawn(python(), [benchFile('python', 'seed_bench.py')], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', PYTHONUNBUFFERED: '1' },
    });
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (l) => {
      stderr.push(l);
      if (stderr.length > 50) stderr.shift();
      if (l.startsWith('seed-python')) ctx.progress(l);
    });
    let version = '';
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => {
      let data: unknown;
      try {
        data = JSON.parse(l);
      } catch {
        return; // a library printing to stdout
      }
      const parsed = Line.safeParse(data);
      if (!parsed.success) return;
      const m = parsed.data;
      if (m.type === 'info') {
        version = m.tensorflow;
        return;
      }
      onRow({
        strategy: 'seed-python',
        variant: m.design,
        streams: m.streams,
        threads: m.threads,
        delegate: 'xnnpack',
        interpreters: m.interpreters,
        ips: m.ips,
        per_stream_ips: m.ips / m.streams,
        min_stream_ips: m.min_stream_ips,
        max_stream_ips: m.max_stream_ips,
        p50_ms: m.p50_ms,
        p95_ms: m.p95_ms,
        cpu: m.cpu,
        misattributed: m.misattributed,
        dropped: 0,
        frames: m.frames,
        note: `TensorFlow ${version}, tf.lite.Interpreter, ${m.design === 'mutex' ? 'one interpreter behind a lock' : `${m.interpreters} thread${m.interpreters > 1 ? 's' : ''}, an interpreter each`}`,
      });
    });
    child.stdin!.end(JSON.stringify(config));
    const budgetMs = 120_000 + streams.length * 2 * (ctx.seconds + ctx.warmupSeconds + 15) * 1000;
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), budgetMs);
      child.on('exit', (c, signal) => {
        clearTimeout(timer);
        resolve(signal ? -1 : c);
      });
    });
    if (code !== 0) throw new Error(`the Python process ${code === -1 ? 'was killed' : `exited with ${code}`}: ${stderr.slice(-3).join(' | ')}`);
    return version;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
