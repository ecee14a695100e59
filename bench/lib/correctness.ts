/**
 * What goes wrong when asynchronous callers share one interpreter without a lock.
 *
 * An interpreter keeps one input tensor and one set of output tensors. A caller that writes its
 * frame into the input, awaits anything (a decode, a message, a timer), then calls infer() and
 * reads the outputs can find that another caller wrote its own frame in the meantime: it gets the
 * other caller's answer. Two callers run that sequence concurrently here, first without a lock,
 * then with one; each result is checked against its caller's known answer.
 *
 * infer() itself is synchronous (it returns a boolean, not a promise), and Detector.run() does
 * write + infer + read in one synchronous call, so a caller of Detector.run() cannot be interleaved.
 * The hazard is any async step between writing the input and reading the output.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { BlazeFaceDecoder } from '../../src/workers/decoders/blazeface';
import { blazeFaceOptions, findManifestModel } from '../../src/shared/models';
import { FULL_FRAME, type Attribution, type StreamFrame } from './frames';
import { Mutex, yieldToEventLoop } from './mutex';
import type { ModelRef } from './types';

interface TensorInfo {
  shape: string;
  data(): Float32Array | Uint8Array;
}
interface Runner {
  getInputs(): TensorInfo[];
  getOutputs(): TensorInfo[];
  infer(): unknown;
}

export interface CorrectnessReport {
  /** What infer() returns: a boolean means the call is synchronous and cannot be interleaved. */
  infer_returns: string;
  infer_is_synchronous: boolean;
  callers: number;
  frames_per_caller: number;
  /** Callers write, await, infer, read: no lock. */
  unlocked: { results: number; misattributed: number };
  /** The same with an async mutex around write..read. */
  locked: { results: number; misattributed: number };
  /** Detector.run (write + infer + read in one synchronous call) called from async callers. */
  detector_run: { results: number; misattributed: number };
  explanation: string;
}

export async function interleavingDemo(
  model: ModelRef,
  delegatePath: string | undefined,
  frames: StreamFrame[],
  attribution: Attribution,
  framesPerCaller = 50,
): Promise<CorrectnessReport | { skipped: string }> {
  const manifest = findManifestModel(model.name);
  if (!manifest || manifest.decoder.type !== 'blazeface') return { skipped: 'the model has no BlazeFace decoder, so answers cannot be told apart' };
  const require = createRequire(import.meta.url);
  const { TFLiteNodeModelRunner } = require('tfjs-tflite-node') as {
    TFLiteNodeModelRunner: new (m: ArrayBuffer, o: object) => Runner;
  };
  const bytes = readFileSync(model.path);
  const options = delegatePath ? { threads: 1, delegate: { path: delegatePath, options: [['num_threads', '1']] } } : { threads: 1 };
  const runner = new TFLiteNodeModelRunner(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, options);
  const input = runner.getInputs()[0].data() as Float32Array;
  const decoderOptions = blazeFaceOptions(manifest);
  const decoder = new BlazeFaceDecoder(decoderOptions);
  const outputs = runner.getOutputs();
  const regressors = outputs.find((t) => t.shape === `1,${decoderOptions.numBoxes},${decoderOptions.numCoords}`)!;
  const scores = outputs.find((t) => t.shape === `1,${decoderOptions.numBoxes},1`)!;
  const mean = manifest.normalization?.mean ?? 127.5;
  const scale = 1 / (manifest.normalization?.std ?? 127.5);

  const write = (rgb: Uint8Array) => {
    for (let i = 0; i < rgb.length; i++) input[i] = (rgb[i] - mean) * scale;
  };
  const read = () => decoder.decode(regressors.data() as Float32Array, scores.data() as Float32Array, FULL_FRAME);
  const returned = runner.infer();
  const inferReturns = returned instanceof Promise ? 'Promise' : typeof returned;

  const callers = 2;
  const run = async (lock: Mutex | null) => {
    let results = 0;
    let misattributed = 0;
    const caller = async (stream: number) => {
      for (let i = 0; i < framesPerCaller; i++) {
        const release = lock ? await lock.acquire() : () => {};
        try {
          write(frames[stream].data);
          await yieldToEventLoop(); // e.g. awaiting the next step of a pipeline
          runner.infer();
          const detections = read();
          results++;
          if (!attribution.isOwn(stream, detections)) misattributed++;
        } finally {
          release();
        }
      }
    };
    await Promise.all(Array.from({ length: callers }, (_, s) => caller(s)));
    return { results, misattributed };
  };
  const unlocked = await run(null);
  const locked = await run(new Mutex());

  // Detector.run's shape: everything in one synchronous call, callers only await around it.
  let dResults = 0;
  let dMis = 0;
  const detectorCaller = async (stream: number) => {
    for (let i = 0; i < framesPerCaller; i++) {
      await yieldToEventLoop();
      write(frames[stream].data);
      runner.infer();
      const detections = read();
      dResults++;
      if (!attribution.isOwn(stream, detections)) dMis++;
    }
  };
  await Promise.all(Array.from({ length: callers }, (_, s) => detectorCaller(s)));

  return {
    infer_returns: inferReturns,
    infer_is_synchronous: inferReturns !== 'Promise',
    callers,
    frames_per_caller: framesPerCaller,
    unlocked,
    locked,
    detector_run: { results: dResults, misattributed: dMis },
    explanation:
      'infer() is synchronous, so one call cannot be interleaved; but an interpreter has one input and one output buffer, ' +
      'and callers that await between writing the input and reading the output get each other\'s answers ' +
      '(unlocked). A mutex around write..read (locked), or a synchronous write+infer+read as Detector.run does, keeps every answer with its caller.',
  };
}
