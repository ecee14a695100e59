/** Messages between the bench and its limit workers (bench/workers/limit-worker.ts), validated where they arrive. */
import { z } from 'zod';

export const LimitInbound = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), modelPath: z.string(), modelName: z.string(), delegatePath: z.string().optional() }),
  z.object({ type: z.literal('go'), warmupMs: z.number().nonnegative().max(60_000), durationMs: z.number().positive().max(60_000) }),
]);
export type LimitInbound = z.infer<typeof LimitInbound>;

export const LimitOutbound = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), delegate: z.enum(['xnnpack', 'none']) }),
  z.object({ type: z.literal('done'), runs: z.number().int().nonnegative(), seconds: z.number().positive() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type LimitOutbound = z.infer<typeof LimitOutbound>;
