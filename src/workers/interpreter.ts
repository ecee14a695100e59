/**
 * One TF Lite interpreter from tfjs-tflite-node's native binding, with the XNNPACK delegate when
 * it can be applied, and the helpers to fill its input from RGB bytes.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { DelegateName } from '../shared/contracts/config';
import type { TensorSummary } from '../shared/contracts/frames';
import { unusableModelMessage } from './model-file';
import { checkDeclaredShapes } from './model-shape';

export interface TensorInfo {
  name: string;
  shape: string;
  dataType: string;
  data(): Float32Array | Uint8Array | Int8Array | Int32Array;
}
export interface ModelRunner {
  getInputs(): TensorInfo[];
  getOutputs(): TensorInfo[];
  infer(): boolean;
}
type RunnerConstructor = new (
  model: ArrayBuffer,
  options: { threads?: number; delegate?: { path: string; options: Array<[string, string]> } },
) => ModelRunner;

// tfjs-tflite-node's index also loads @tensorflow/tfjs-core and node-fetch, which a worker never
// uses; its TFLiteNodeModelRunner is the native binding's Interpreter class. Loading just the
// binding (found by the package's own `bindings` helper, from the package's folder) saves a
// restarting worker ~20 ms of CPU and ~10 MB of RSS. CommonJS, so it is required and bundlers
// leave it alone.
const requireHere = createRequire(import.meta.url);
let runnerClass: RunnerConstructor | undefined;
function loadRunnerClass(): RunnerConstructor {
  if (!runnerClass) {
    const manifest = requireHere.resolve('tfjs-tflite-node/package.json');
    const bindings = createRequire(manifest)('bindings') as (opts: { bindings: string; module_root: string }) => unknown;
    const addon = bindings({ bindings: 'node_tflite_binding', module_root: dirname(manifest) }) as { Interpreter?: RunnerConstructor };
    if (typeof addon.Interpreter !== 'function') throw new Error('tfjs-tflite-node binding has no Interpreter class');
    runnerClass = addon.Interpreter;
  }
  return runnerClass;
}

export class InterpreterError extends Error {
  constructor(
    readonly code: 'model-invalid' | 'model-unsupported',
    message: string,
  ) {
    super(message);
  }
}

export interface Interpreter {
  runner: ModelRunner;
  delegate: DelegateName;
  /** Set when XNNPACK was asked for but could not be applied. */
  warning?: string;
}

export function createInterpreter(model: ArrayBuffer, file: string, threads: number, delegate: DelegateName, delegatePath?: string): Interpreter {
  // The interpreter allocates every tensor at its declared size: refuse huge ones before it exists.
  let refusal;
  try {
    refusal = checkDeclaredShapes(model);
  } catch {
    throw new InterpreterError('model-invalid', unusableModelMessage(file));
  }
  if (refusal) throw new InterpreterError('model-unsupported', `cannot load model ${file}: ${refusal.message}`);
  const Runner = loadRunnerClass();
  let warning: string | undefined;
  if (delegate === 'xnnpack') {
    if (!delegatePath || !existsSync(delegatePath)) {
      warning = 'XNNPACK plugin not built (npm install builds it); running without a delegate';
    } else {
      try {
        const runner = new Runner(model, { threads, delegate: { path: delegatePath, options: [['num_threads', String(threads)]] } });
        return { runner, delegate: 'xnnpack' };
      } catch (err) {
        // A broken file fails before the delegate is involved; anything else is the delegate's doing.
        if (isInvalidModel(err)) throw new InterpreterError('model-invalid', unusableModelMessage(file));
        warning = `XNNPACK could not be applied (${firstLine(err)}); running without a delegate`;
      }
    }
  }
  try {
    return { runner: new Runner(model, { threads }), delegate: 'none', warning };
  } catch {
    throw new InterpreterError('model-invalid', unusableModelMessage(file));
  }
}

export function shapeOf(t: TensorInfo): number[] {
  return t.shape.split(',').filter(Boolean).map(Number);
}

export function summarize(t: TensorInfo): TensorSummary {
  return { name: t.name, shape: shapeOf(t), dataType: t.dataType };
}

export function sameShape(t: TensorInfo, shape: number[]): boolean {
  return t.shape === shape.join(',');
}

/** Byte value -> normalised input value, so the per-pixel loop is one lookup. */
export function normalizationTable(norm: { mean: number; std: number }): Float32Array {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v - norm.mean) / norm.std;
  return table;
}

/** The single [1, H, W, 3] float32 or uint8 input of a model, or why not. */
export function imageInput(runner: ModelRunner): { tensor: TensorInfo; data: Float32Array | Uint8Array; width: number; height: number } {
  const inputs = runner.getInputs();
  if (inputs.length !== 1) throw new InterpreterError('model-unsupported', `expected one input tensor, the model has ${inputs.length}`);
  const shape = shapeOf(inputs[0]);
  if (shape.length !== 4 || shape[0] !== 1 || shape[3] !== 3) {
    throw new InterpreterError('model-unsupported', `expected an input of shape [1, height, width, 3], the model takes [${shape.join(', ')}]`);
  }
  const data = inputs[0].data();
  if (!(data instanceof Float32Array) && !(data instanceof Uint8Array)) {
    throw new InterpreterError('model-unsupported', `input type ${inputs[0].dataType} is not supported (float32 or uint8)`);
  }
  return { tensor: inputs[0], data, width: shape[2], height: shape[1] };
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0].trim();
}

function isInvalidModel(err: unknown): boolean {
  return /Failed to create tflite model|not a valid Flatbuffer/i.test(String(err instanceof Error ? err.message : err));
}
