/**
 * One TF Lite interpreter and the decoder for its model. Not safe to share: an interpreter keeps
 * its tensors between calls, so each camera process owns exactly one Detector.
 *
 * Hot path: the frame's RGB bytes are written straight into the input tensor's buffer, infer()
 * runs synchronously, and the decoder reads the output buffers. No tfjs tensors are involved.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { BlazeFaceDecoder } from '../shared/blazeface';
import { blazeFaceOptions, findManifestModel, type ManifestModel } from '../shared/models';
import type { DelegateName } from '../shared/contracts/config';
import type { Detection, Letterbox } from '../shared/contracts/frames';
import type { ModelInfo, WorkerErrorCode } from '../shared/contracts/worker';
import type { TensorSummary } from '../shared/contracts/frames';

interface TensorInfo {
  name: string;
  shape: string;
  dataType: string;
  data(): Float32Array | Uint8Array | Int8Array | Int32Array;
}
interface ModelRunner {
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
const require = createRequire(import.meta.url);
let runnerClass: RunnerConstructor | undefined;
function loadRunnerClass(): RunnerConstructor {
  if (!runnerClass) {
    const manifest = require.resolve('tfjs-tflite-node/package.json');
    const bindings = createRequire(manifest)('bindings') as (opts: { bindings: string; module_root: string }) => unknown;
    const addon = bindings({ bindings: 'node_tflite_binding', module_root: dirname(manifest) }) as { Interpreter?: RunnerConstructor };
    if (typeof addon.Interpreter !== 'function') throw new Error('tfjs-tflite-node binding has no Interpreter class');
    runnerClass = addon.Interpreter;
  }
  return runnerClass;
}

export class DetectorError extends Error {
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DetectorOptions {
  modelPath: string;
  /** Manifest name; a model not in the manifest gets the raw decoder. */
  modelName: string;
  threads: number;
  delegate: DelegateName;
  delegatePath?: string;
  scoreThreshold?: number;
}

export interface InferenceOutput {
  detections: Detection[];
  outputs?: TensorSummary[];
  inferMs: number;
}

function summarize(t: TensorInfo): TensorSummary {
  return { name: t.name, shape: t.shape.split(',').filter(Boolean).map(Number), dataType: t.dataType };
}

export class Detector {
  readonly info: ModelInfo;
  readonly delegate: DelegateName;
  readonly threads: number;
  scoreThreshold: number;
  private readonly runner: ModelRunner;
  private readonly input: TensorInfo;
  private readonly inputData: Float32Array | Uint8Array;
  private readonly manifestModel?: ManifestModel;
  private readonly decoder?: BlazeFaceDecoder;
  private readonly regressors?: TensorInfo;
  private readonly scores?: TensorInfo;
  /** Byte value -> normalised input value, so the per-pixel loop is one lookup. */
  private readonly normTable = new Float32Array(256);
  /** Set when XNNPACK was asked for but could not be applied. */
  readonly delegateWarning?: string;

  constructor(options: DetectorOptions) {
    if (!existsSync(options.modelPath)) {
      throw new DetectorError('model-missing', `model file not found: ${options.modelPath}`);
    }
    const bytes = readFileSync(options.modelPath);
    const model = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const Runner = loadRunnerClass();

    let runner: ModelRunner | undefined;
    let delegate: DelegateName = 'none';
    if (options.delegate === 'xnnpack') {
      if (!options.delegatePath || !existsSync(options.delegatePath)) {
        this.delegateWarning = 'XNNPACK plugin not built (npm install builds it); running without a delegate';
      } else {
        try {
          runner = new Runner(model, {
            threads: options.threads,
            delegate: { path: options.delegatePath, options: [['num_threads', String(options.threads)]] },
          });
          delegate = 'xnnpack';
        } catch (err) {
          // A broken file fails before the delegate is involved; anything else is the delegate's doing.
          if (isInvalidModel(err)) throw new DetectorError('model-invalid', describeModelError(options.modelPath, err));
          this.delegateWarning = `XNNPACK could not be applied (${firstLine(err)}); running without a delegate`;
        }
      }
    }
    if (!runner) {
      try {
        runner = new Runner(model, { threads: options.threads });
      } catch (err) {
        throw new DetectorError('model-invalid', describeModelError(options.modelPath, err));
      }
    }
    this.runner = runner;
    this.delegate = delegate;
    this.threads = options.threads;

    const inputs = runner.getInputs();
    const outputs = runner.getOutputs();
    if (inputs.length !== 1) throw new DetectorError('model-unsupported', `expected one input tensor, the model has ${inputs.length}`);
    this.input = inputs[0];
    const shape = summarize(this.input).shape;
    if (shape.length !== 4 || shape[0] !== 1 || shape[3] !== 3) {
      throw new DetectorError('model-unsupported', `expected an input of shape [1, height, width, 3], the model takes [${shape.join(', ')}]`);
    }
    const data = this.input.data();
    if (!(data instanceof Float32Array) && !(data instanceof Uint8Array)) {
      throw new DetectorError('model-unsupported', `input type ${this.input.dataType} is not supported (float32 or uint8)`);
    }
    this.inputData = data;

    this.manifestModel = findManifestModel(options.modelName);
    const norm = this.manifestModel?.normalization ?? { mean: 127.5, std: 127.5 };
    for (let v = 0; v < 256; v++) this.normTable[v] = (v - norm.mean) / norm.std;
    this.scoreThreshold = options.scoreThreshold ?? this.manifestModel?.decoder.scoreThreshold ?? 0.5;

    if (this.manifestModel) {
      const m = this.manifestModel;
      if (shape[1] !== m.input.height || shape[2] !== m.input.width) {
        throw new DetectorError('model-unsupported', `${m.name} expects ${m.input.width}x${m.input.height} input, the file takes ${shape[2]}x${shape[1]}`);
      }
      const decoderOptions = blazeFaceOptions(m);
      this.regressors = outputs.find((t) => sameShape(t, [1, decoderOptions.numBoxes, decoderOptions.numCoords]));
      this.scores = outputs.find((t) => sameShape(t, [1, decoderOptions.numBoxes, 1]));
      if (!this.regressors || !this.scores) {
        throw new DetectorError('model-unsupported', `${m.name}: outputs [${outputs.map((t) => t.shape).join('; ')}] are not BlazeFace's`);
      }
      this.decoder = new BlazeFaceDecoder(decoderOptions);
    }

    this.info = {
      name: options.modelName,
      path: options.modelPath,
      decoder: this.decoder ? 'blazeface' : 'raw',
      inputWidth: shape[2],
      inputHeight: shape[1],
      inputs: inputs.map(summarize),
      outputs: outputs.map(summarize),
    };
  }

  get inputWidth(): number {
    return this.info.inputWidth;
  }

  get inputHeight(): number {
    return this.info.inputHeight;
  }

  /** Runs one frame of model-sized RGB bytes. Throws DetectorError on a wrong-sized frame. */
  run(rgb: Uint8Array, letterbox: Letterbox): InferenceOutput {
    const expected = this.inputWidth * this.inputHeight * 3;
    if (rgb.length !== expected) {
      throw new DetectorError('bad-config', `frame has ${rgb.length} bytes, the model needs ${this.inputWidth}x${this.inputHeight} RGB = ${expected}`);
    }
    const input = this.inputData;
    if (input instanceof Float32Array) {
      const table = this.normTable;
      for (let i = 0; i < expected; i++) input[i] = table[rgb[i]];
    } else {
      input.set(rgb);
    }
    const started = performance.now();
    this.runner.infer();
    const inferMs = performance.now() - started;
    if (!this.decoder) {
      return { detections: [], outputs: this.info.outputs, inferMs };
    }
    const detections = this.decoder.decode(this.regressors!.data() as Float32Array, this.scores!.data() as Float32Array, letterbox, this.scoreThreshold);
    return { detections, inferMs };
  }

  /** Runs inference alone on whatever the input holds: for calibration and the bench's raw rate. */
  inferOnly(): void {
    this.runner.infer();
  }
}

function sameShape(t: TensorInfo, shape: number[]): boolean {
  return t.shape === shape.join(',');
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0].trim();
}

function isInvalidModel(err: unknown): boolean {
  return /Failed to create tflite model|not a valid Flatbuffer/i.test(String(err instanceof Error ? err.message : err));
}

function describeModelError(file: string, err: unknown): string {
  const detail = String(err instanceof Error ? err.message : err)
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ');
  const hint = /Failed to create tflite model/i.test(detail) && !/Flatbuffer/i.test(detail) ? ' (the file is not a valid TF Lite model)' : '';
  return `cannot load model ${file}: ${detail || 'not a TF Lite model'}${hint}`;
}
