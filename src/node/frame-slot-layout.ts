/**
 * The layout of the frame-slot file both sides agree on (see src/engine/frame-slots.ts for the
 * writer and src/workers/frame-slot-reader.ts for the reader).
 */
import { MAX_FRAME_BYTES, MAX_FRAME_HEADER_BYTES } from '../shared/contracts/frames';

export const FRAME_SLOT_COUNT = 4;
/** The largest frame in its binary form: a slot holds any frame the contract allows. */
export const FRAME_SLOT_BYTES = MAX_FRAME_BYTES + MAX_FRAME_HEADER_BYTES + 4;
/** The descriptor number the worker sees the slot file under (stdio index). */
export const FRAME_SLOT_FD = 4;
/** Environment variable telling the worker the slot layout: "fd:slotBytes:count". */
export const FRAME_SLOT_ENV = 'MULTICAM_FRAME_SLOTS';
