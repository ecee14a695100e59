/**
 * A camera's model: the detector interpreter and its decoder, and for a two-stage model the
 * landmark stage on its own interpreter. Not safe to share: an interpreter keeps its tensors
 * between calls, so each camera process owns exactly one Detector.
 *
 * Hot path: the frame's RGB bytes are written straight into the input tensor's buffer (resized
 * first when a two-stage model takes bigger frames than its detector), infer() runs
 * synchronously, and the decoder reads the output buffers. No tfjs tensors are involved.
 */
import { BlazeFaceDecoder } from './decoders/blazeface';
import { findPostProcessOutputs, decodePostProcess } from './decoders/postprocess';
import { cropRotated } from './decoders/roi';
import { SsdDecoder } from './decoders/ssd';
import { labelKey, labelThresholdKeys, thresholdFor } from '../shared/labels';
import { blazeFaceOptions, findManifestModel, frameSize, type ManifestModel } from '../shared/models';
import type { DelegateName } from '../shared/contracts/config';
import type { Detection, Letterbox, TensorSummary } from '../shared/contracts/frames';
import type { ModelInfo, WorkerErrorCode } from '../shared/contracts/worker';
import { createInterpreter, imageInput, InterpreterError, normalizationTable, sameShape, summarize, type ModelRunner } from './interpreter';
import { LandmarkStage } from './landmark-stage';
import { ModelFileError, readModelFile } from './model-file';

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
  /** Manifest name; a model not in the manifest gets the post-processing or the raw decoder. */
  modelName: string;
  threads: number;
  delegate: DelegateName;
  delegatePath?: string;
  scoreThreshold?: number;
  /** sha256 the manifest pins for the model file, checked on the bytes read. */
  modelSha256?: string;
  landmarkModelPath?: string;
  landmarkSha256?: string;
  /** Class n's label (a label map, or NAME.txt beside a model of the user's). */
  labels?: string[];
  /** Detections with other labels are dropped; undefined keeps all. */
  allowedLabels?: string[];
  /** Per-label thresholds (`{"person": 0.3}`), over scoreThreshold for those labels. */
  labelThresholds?: Record<string, number>;
}

export interface InferenceOutput {
  detections: Detection[];
  outputs?: TensorSummary[];
  inferMs: number;
  /** Time per stage when there are two: detector, then landmarks on every crop. */
  stageMs?: [number, number];
}

type Decode = (letterbox: Letterbox) => Detection[];
const FULL_FRAME: Letterbox = { x: 0, y: 0, w: 1, h: 1 };

export class Detector {
  readonly info: ModelInfo;
  readonly delegate: DelegateName;
  readonly threads: number;
  scoreThreshold: number;
  /** Keyed by lowercase label. */
  labelThresholds: Record<string, number> | undefined;
  allowedLabels?: ReadonlySet<string>;
  /** Set when XNNPACK was asked for but could not be applied. */
  readonly delegateWarning?: string;
  private readonly runner: ModelRunner;
  private readonly inputData: Float32Array | Uint8Array;
  private readonly normTable: Float32Array;
  private readonly decode: Decode | null;
  private readonly landmarks?: LandmarkStage;
  private readonly detectorWidth: number;
  private readonly detectorHeight: number;

  constructor(options: DetectorOptions) {
    try {
      const bytes = readModelFile(options.modelPath, options.modelSha256, options.modelName);
      const interpreter = createInterpreter(bytes, options.modelPath, options.threads, options.delegate, options.delegatePath);
      this.runner = interpreter.runner;
      this.delegate = interpreter.delegate;
      this.delegateWarning = interpreter.warning;
      this.threads = options.threads;
      const input = imageInput(this.runner);
      this.inputData = input.data;
      this.detectorWidth = input.width;
      this.detectorHeight = input.height;
      const m = findManifestModel(options.modelName);
      this.normTable = normalizationTable(m?.normalization ?? { mean: 127.5, std: 127.5 });
      this.scoreThreshold = options.scoreThreshold ?? m?.decoder.scoreThreshold ?? 0.5;
      this.labelThresholds = labelThresholdKeys(options.labelThresholds);
      if (options.allowedLabels) this.allowedLabels = new Set(options.allowedLabels.map(labelKey));
      const outputs = this.runner.getOutputs();
      let decoderName: ModelInfo['decoder'] = 'raw';
      let frame = { width: input.width, height: input.height };
      if (m) {
        if (input.width !== m.input.width || input.height !== m.input.height) {
          throw new DetectorError('model-unsupported', `${m.name} expects ${m.input.width}x${m.input.height} input, the file takes ${input.width}x${input.height}`);
        }
        this.decode = this.manifestDecoder(m, options.labels);
        decoderName = m.decoder.type;
        frame = frameSize(m);
        if (m.landmarks) {
          if (!options.landmarkModelPath) throw new DetectorError('model-missing', `${m.name}: no landmark model was given`);
          if (frame.width !== frame.height || input.data instanceof Uint8Array) throw new DetectorError('model-unsupported', `${m.name}: two-stage models take square frames and float input`);
          this.landmarks = new LandmarkStage(m.landmarks, options.landmarkModelPath, options.landmarkSha256, m.name, options.threads, options.delegate, options.delegatePath);
        }
      } else {
        const post = findPostProcessOutputs(outputs.map(summarize));
        if (post) {
          const labels = (options.labels ?? []).map(labelKey);
          const [boxes, classes, scores, count] = [outputs[post.boxes], outputs[post.classes], outputs[post.scores], outputs[post.count]];
          this.decode = (lb) =>
            decodePostProcess(
              boxes.data() as Float32Array,
              classes.data() as Float32Array,
              scores.data() as Float32Array,
              (count.data() as Float32Array)[0],
              labels,
              lb,
              this.decodeFloor(),
              this.allowedLabels,
            );
          decoderName = 'postprocess';
        } else {
          this.decode = null;
        }
      }
      const decode = this.decode;
      // The decoder keeps what reaches the lowest threshold; each label is then held to its own.
      this.decode = decode && ((lb) => this.keepByLabelThreshold(decode(lb)));
      this.info = {
        name: options.modelName,
        path: options.modelPath,
        decoder: decoderName,
        inputWidth: frame.width,
        inputHeight: frame.height,
        inputs: this.runner.getInputs().map(summarize),
        outputs: outputs.map(summarize),
        ...(m?.landmarks ? { landmarks: m.landmarks.decoder.type } : {}),
      };
    } catch (err) {
      if (err instanceof ModelFileError) throw new DetectorError('model-invalid', err.message);
      if (err instanceof InterpreterError) throw new DetectorError(err.code, err.message);
      throw err;
    }
  }

  private manifestDecoder(m: ManifestModel, labels: string[] | undefined): Decode {
    const outputs = this.runner.getOutputs();
    const d = m.decoder;
    if (d.type === 'blazeface') {
      const o = blazeFaceOptions(m);
      const regressors = outputs.find((t) => sameShape(t, [1, o.numBoxes, o.numCoords]));
      const scores = outputs.find((t) => sameShape(t, [1, o.numBoxes, 1]));
      if (!regressors || !scores) throw new DetectorError('model-unsupported', `${m.name}: outputs [${outputs.map((t) => t.shape).join('; ')}] are not BlazeFace's`);
      const decoder = new BlazeFaceDecoder(o);
      return (lb) => this.keepAllowed(decoder.decode(regressors.data() as Float32Array, scores.data() as Float32Array, lb, this.decodeFloor()));
    }
    const boxes = outputs.find((t) => sameShape(t, [1, d.numBoxes, d.numCoords]));
    const scores = outputs.find((t) => sameShape(t, [1, d.numBoxes, d.numClasses]));
    if (!boxes || !scores) throw new DetectorError('model-unsupported', `${m.name}: outputs [${outputs.map((t) => t.shape).join('; ')}] are not SSD box encodings and class scores`);
    const decoder = new SsdDecoder(d, m.input.width, m.input.height, (labels ?? ['???', ...m.labels]).map(labelKey));
    return (lb) => decoder.decode(boxes.data() as Float32Array, scores.data() as Float32Array, lb, this.decodeFloor(), this.allowedLabels);
  }

  setLabelThresholds(thresholds: Record<string, number>): void {
    this.labelThresholds = labelThresholdKeys(thresholds);
  }

  /** The lowest threshold any label has: what the decoder must keep. */
  private decodeFloor(): number {
    const own = this.labelThresholds ? Object.values(this.labelThresholds) : [];
    return Math.min(this.scoreThreshold, ...own);
  }

  private keepByLabelThreshold(detections: Detection[]): Detection[] {
    if (!this.labelThresholds) return detections;
    return detections.filter((d) => d.score >= thresholdFor(d.label, this.scoreThreshold, this.labelThresholds));
  }

  private keepAllowed(detections: Detection[]): Detection[] {
    const allowed = this.allowedLabels;
    return allowed ? detections.filter((d) => allowed.has(labelKey(d.label ?? ''))) : detections;
  }

  /** Frame size this model takes (bigger than the detector's input for two-stage models). */
  get inputWidth(): number {
    return this.info.inputWidth;
  }

  get inputHeight(): number {
    return this.info.inputHeight;
  }

  /** Runs one frame of RGB bytes at inputWidth x inputHeight. Throws DetectorError on a wrong-sized frame. */
  run(rgb: Uint8Array, letterbox: Letterbox): InferenceOutput {
    const expected = this.inputWidth * this.inputHeight * 3;
    if (rgb.length !== expected) {
      throw new DetectorError('bad-config', `frame has ${rgb.length} bytes, the model needs ${this.inputWidth}x${this.inputHeight} RGB = ${expected}`);
    }
    this.fillInput(rgb);
    const started = performance.now();
    this.runner.infer();
    if (!this.decode) return { detections: [], outputs: this.info.outputs, inferMs: performance.now() - started };
    if (!this.landmarks) {
      const detections = this.decode(letterbox);
      return { detections, inferMs: performance.now() - started };
    }
    // Two stages: detect on the whole frame, crop from the frame, then remove the letterbox.
    const found = this.decode(FULL_FRAME);
    const detectedAt = performance.now();
    const withLandmarks = this.landmarks.apply(rgb, this.inputWidth, this.inputHeight, found);
    const done = performance.now();
    return { detections: withLandmarks.map((d) => removeLetterbox(d, letterbox)), inferMs: done - started, stageMs: [detectedAt - started, done - detectedAt] };
  }

  private fillInput(rgb: Uint8Array): void {
    const input = this.inputData;
    if (this.detectorWidth !== this.inputWidth || this.detectorHeight !== this.inputHeight) {
      const w = this.inputWidth;
      const h = this.inputHeight;
      cropRotated(rgb, w, h, { cx: w / 2, cy: h / 2, w, h, rotation: 0 }, input as Float32Array, this.detectorWidth, this.detectorHeight, this.normTable);
    } else if (input instanceof Float32Array) {
      const table = this.normTable;
      for (let i = 0; i < rgb.length; i++) input[i] = table[rgb[i]];
    } else {
      input.set(rgb);
    }
  }

  /** Runs inference alone on whatever the inputs hold: for calibration and the bench's raw rate. Two-stage models add their crops. */
  inferOnly(): void {
    this.runner.infer();
    if (this.landmarks) for (let i = 0; i < this.landmarks.spec.maxCrops; i++) this.landmarks.inferOnly();
  }
}

function removeLetterbox(d: Detection, lb: Letterbox): Detection {
  const mx = (v: number) => (v - lb.x) / lb.w;
  const my = (v: number) => (v - lb.y) / lb.h;
  return {
    ...d,
    box: { x: mx(d.box.x), y: my(d.box.y), w: d.box.w / lb.w, h: d.box.h / lb.h },
    keypoints: d.keypoints.map((p) => ({ ...p, x: mx(p.x), y: my(p.y) })),
  };
}
