/**
 * A camera's snapshot thread: event pictures (decode a JPEG, draw the box, cut the crop, encode
 * both; src/node/snapshot-job.ts) are made here, on a worker_thread of the camera's process, so
 * the inference thread does only inference and tracking. A 1920x1440 picture takes over a second
 * of jpeg-js; meanwhile the camera keeps inferring. Jobs run one at a time, in the order given.
 *
 * The thread runs the camera worker's own entry (workerData.role says which thread it is).
 */
import { parentPort, type MessagePort, type Worker } from 'node:worker_threads';
import { z } from 'zod';
import { Box } from '../shared/contracts/frames';
import { runSnapshotJob, type SnapshotJob, type SnapshotResult } from '../node/snapshot-job';
import { startEntryThread, type EntryThread } from './entry-thread';

export const SNAPSHOT_THREAD_ROLE = 'snapshot';

const Limits = z.object({ side: z.number().positive(), pixels: z.number().positive() });
const JobMessage = z.object({
  id: z.number().int(),
  job: z.object({
    box: Box,
    jpeg: z.object({ bytes: z.instanceof(Uint8Array), limits: Limits }).optional(),
    raw: z.object({ width: z.number().int().positive(), height: z.number().int().positive(), channels: z.union([z.literal(3), z.literal(4)]), data: z.instanceof(Uint8Array) }).optional(),
  }),
});
const ResultMessage = z.object({
  id: z.number().int(),
  result: z.union([
    z.object({ ok: z.literal(true), snapshot: z.instanceof(Uint8Array), crop: z.instanceof(Uint8Array), jpegError: z.string().optional() }),
    z.object({ ok: z.literal(false), error: z.string(), tooLarge: z.boolean() }),
  ]),
});

/** The thread's side. */
export function runSnapshotThread(port: MessagePort | null = parentPort): void {
  if (!port) throw new Error('the snapshot thread runs as a worker thread');
  port.on('message', (data: unknown) => {
    const parsed = JobMessage.safeParse(data);
    if (!parsed.success) {
      const id = typeof (data as { id?: unknown })?.id === 'number' ? (data as { id: number }).id : -1;
      port.postMessage({ id, result: { ok: false, error: `snapshot job rejected: ${parsed.error.issues[0]?.message ?? 'invalid'}`, tooLarge: false } });
      return;
    }
    const result = runSnapshotJob(parsed.data.job);
    const transfer = result.ok ? [result.snapshot.buffer as ArrayBuffer, result.crop.buffer as ArrayBuffer] : [];
    port.postMessage({ id: parsed.data.id, result }, transfer);
  });
}

export interface SnapshotRenderer {
  render(job: SnapshotJob): Promise<SnapshotResult>;
  close(): Promise<void>;
}

/** The inference thread's side: jobs go to the thread, results come back as promises. */
export class SnapshotThread implements SnapshotRenderer {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (result: SnapshotResult) => void>();

  constructor(private readonly entry: EntryThread) {}

  render(job: SnapshotJob): Promise<SnapshotResult> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startEntryThread(this.entry, SNAPSHOT_THREAD_ROLE);
    worker.on('message', (data: unknown) => {
      const parsed = ResultMessage.safeParse(data);
      if (!parsed.success) return void process.stderr.write(`snapshot thread: answer rejected: ${parsed.error.issues[0]?.message ?? 'invalid'}\n`);
      const resolve = this.pending.get(parsed.data.id);
      this.pending.delete(parsed.data.id);
      resolve?.(parsed.data.result);
    });
    const lost = (why: string) => {
      if (this.worker === worker) this.worker = null;
      for (const resolve of this.pending.values()) resolve({ ok: false, error: `the snapshot thread ended: ${why}`, tooLarge: false });
      this.pending.clear();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exit code ${code}`));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
