/**
 * The tensor shapes a .tflite file declares, read from its flatbuffer before the interpreter is
 * built. Building it allocates every tensor at its declared size, so a file of a few hundred bytes
 * that declares an 8192x8192 input costs gigabytes (and an ffmpeg scaling to that size): the shapes
 * are checked here first, against the largest frame the app takes anywhere (1024x1024, as page
 * frames are) and a bound on any one tensor.
 *
 * The walk follows TF Lite's schema.fbs (Model.subgraphs = field 2, SubGraph.tensors = 0,
 * SubGraph.inputs = 1, Tensor.shape = 0) with the flatbuffers library's ByteBuffer, and checks
 * every offset against the file's length first: the library reads without verifying, and a
 * hostile file's offsets must not send the walk outside it or into a loop of billions.
 */
import { ByteBuffer } from 'flatbuffers';
import { MAX_FRAME_SIDE } from '../shared/contracts/frames';

/** Elements of the largest tensor a model may declare: 64 M (256 MB as float32). */
export const MAX_TENSOR_ELEMENTS = 64 * 1024 * 1024;

const MODEL_SUBGRAPHS = 2;
const SUBGRAPH_TENSORS = 0;
const SUBGRAPH_INPUTS = 1;
const TENSOR_SHAPE = 0;

/** The file is not a flatbuffer this walk can read (the caller calls it unusable). */
export class ModelShapeUnreadable extends Error {}

/** Why a model's declared shapes are refused, or null when they are within the limits. */
export interface ShapeRefusal {
  message: string;
}

class Reader {
  readonly bb: ByteBuffer;
  constructor(bytes: Uint8Array) {
    this.bb = new ByteBuffer(bytes);
  }

  private need(offset: number, size: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + size > this.bb.capacity()) throw new ModelShapeUnreadable(`offset ${offset} is outside the file`);
  }

  root(): number {
    this.need(0, 4);
    const pos = this.bb.readUint32(0);
    this.table(pos);
    return pos;
  }

  /** Checks that a table and its vtable lie inside the file. */
  private table(pos: number): void {
    this.need(pos, 4);
    const vtable = pos - this.bb.readInt32(pos);
    this.need(vtable, 4);
    this.need(vtable, this.bb.readUint16(vtable));
  }

  /** Offset of a field of the table at `pos`, 0 when absent. */
  private field(pos: number, id: number): number {
    const offset = this.bb.__offset(pos, 4 + 2 * id);
    if (offset) this.need(pos + offset, 4);
    return offset;
  }

  /** Start and length of a vector field (length 0 when absent). */
  vector(pos: number, id: number, elementSize: number): { start: number; length: number } {
    const offset = this.field(pos, id);
    if (!offset) return { start: 0, length: 0 };
    const at = this.bb.__indirect(pos + offset);
    this.need(at, 4);
    const length = this.bb.__vector_len(pos + offset);
    this.need(at + 4, length * elementSize);
    return { start: this.bb.__vector(pos + offset), length };
  }

  /** The table that element `i` of a vector of tables points at. */
  tableAt(vector: { start: number }, i: number): number {
    const pos = this.bb.__indirect(vector.start + 4 * i);
    this.table(pos);
    return pos;
  }

  ints(pos: number, id: number): number[] {
    const v = this.vector(pos, id, 4);
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.bb.readInt32(v.start + 4 * i));
    return out;
  }
}

/**
 * Reads the main subgraph's tensor shapes and checks them: each image input at most 1024x1024, no
 * tensor over MAX_TENSOR_ELEMENTS. Throws ModelShapeUnreadable when the flatbuffer cannot be walked.
 */
export function checkDeclaredShapes(model: ArrayBuffer | Uint8Array): ShapeRefusal | null {
  const reader = new Reader(model instanceof Uint8Array ? model : new Uint8Array(model));
  const root = reader.root();
  const subgraphs = reader.vector(root, MODEL_SUBGRAPHS, 4);
  if (subgraphs.length === 0) throw new ModelShapeUnreadable('no subgraph');
  for (let s = 0; s < subgraphs.length; s++) {
    const subgraph = reader.tableAt(subgraphs, s);
    const tensors = reader.vector(subgraph, SUBGRAPH_TENSORS, 4);
    const shapeOf = (t: number) => reader.ints(reader.tableAt(tensors, t), TENSOR_SHAPE);
    if (s === 0) {
      for (const index of reader.ints(subgraph, SUBGRAPH_INPUTS)) {
        if (index < 0 || index >= tensors.length) throw new ModelShapeUnreadable(`input tensor ${index} does not exist`);
        const shape = shapeOf(index);
        // [1, height, width, channels]: the frame the model takes.
        if (shape.length === 4 && (shape[1] > MAX_FRAME_SIDE || shape[2] > MAX_FRAME_SIDE)) {
          return { message: `the model takes a ${shape[2]}x${shape[1]} input; at most ${MAX_FRAME_SIDE}x${MAX_FRAME_SIDE} is accepted (as for page frames)` };
        }
      }
    }
    for (let t = 0; t < tensors.length; t++) {
      const shape = shapeOf(t);
      const elements = shape.reduce((n, d) => n * Math.max(1, d), 1);
      if (elements > MAX_TENSOR_ELEMENTS) {
        return { message: `the model declares a tensor of shape [${shape.join(', ')}] (${elements} values); at most ${MAX_TENSOR_ELEMENTS} values a tensor are accepted` };
      }
    }
  }
  return null;
}
