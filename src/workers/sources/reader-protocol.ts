/**
 * Messages between a camera's inference thread and its ffmpeg reader thread (reader-thread.ts),
 * checked where they arrive like any message that crosses into other code.
 */
import { z } from 'zod';

/** workerData that makes the camera worker's entry run as a reader thread. */
export const READER_THREAD_ROLE = 'ffmpeg-reader';

export const ToReader = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('spawn'),
    command: z.string().min(1),
    args: z.array(z.string()),
    /** stdio of the child: 'pipe' or 'ignore' per fd; fd 1 carries the model frames. */
    stdio: z.array(z.enum(['pipe', 'ignore'])).min(3),
    /** Text written to an fd (then closed), e.g. the input list on fd 4. */
    inputs: z.array(z.object({ fd: z.number().int().min(3), text: z.string() })),
    frameBytes: z.number().int().positive(),
    /** Pull: hand on frames in order, one per `want`, and let ffmpeg wait meanwhile. */
    pull: z.boolean(),
    generation: z.number().int().nonnegative(),
    /** Variables added to ffmpeg's environment (TZ=UTC while recording). */
    env: z.record(z.string(), z.string()).optional(),
    slot: z.instanceof(SharedArrayBuffer),
    /** ffmpeg writes the picture of each model frame (PPM) on this fd: paired by number, published with it. */
    picture: z.object({ fd: z.number().int().min(3), maxBytes: z.number().int().positive() }).nullable().optional(),
  }),
  z.object({ type: z.literal('kill'), signal: z.string() }),
  z.object({ type: z.literal('want') }),
]);
export type ToReader = z.infer<typeof ToReader>;

export const FromReader = z.discriminatedUnion('type', [
  z.object({ type: z.literal('spawned'), generation: z.number().int(), pid: z.number().int().nullable(), boundByKernel: z.boolean() }),
  /** A newer frame is in the slot. */
  z.object({ type: z.literal('frame') }),
  /** Bytes the child wrote on an fd other than the model frames' (stderr, previews, ...). */
  z.object({ type: z.literal('data'), fd: z.number().int().min(2), chunk: z.instanceof(Uint8Array) }),
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('close'), generation: z.number().int(), code: z.number().int().nullable(), signal: z.string().nullable(), framesRead: z.number().int(), readerSkipped: z.number().int() }),
]);
export type FromReader = z.infer<typeof FromReader>;
