/**
 * npm run detect -- [--model NAME|PATH] [--threshold T] IMAGE...
 *
 * Runs PNG and JPEG files through one camera worker process (the same worker, decoder and
 * protocol as the app) and prints one JSON line per image:
 *   {"file": "<basename>", "width": W, "height": H, "detections": [{"label", "score", "box", "keypoints"?}]}
 * Coordinates are normalised to the image. Problems go to stderr as one line each, naming the file;
 * the exit code is 1 if the model or any image failed, 2 for a usage error. Every image gets an
 * answer: a frame the worker rejects comes back with its reason, and frames waiting on a worker
 * that fails fail with it.
 */
import { silentLogger } from '../engine/logger';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage, ImageError, toModelFrame, type DecodedImage } from '../node/images';
import { NodeLauncher } from '../engine/node-launcher';
import { CameraSupervisor } from '../engine/supervisor';
import type { ResultMessage } from '../shared/contracts/frames';
import { DEFAULT_MODEL, findManifestModel, modelNames } from '../shared/models';

const USAGE = 'usage: npm run detect -- [--model NAME|PATH] [--threshold 0..1] IMAGE...';
/** An image without an answer after this long fails (the worker is restarted meanwhile by the watchdog). */
const ANSWER_TIMEOUT_MS = 60_000;

function fail(message: string, code = 1): never {
  process.stderr.write(`detect: ${message}\n`);
  process.exit(code);
}

const knownModels = () => `known models: ${modelNames().join(', ')}; or the path of a .tflite file`;

/** Not a manifest name and not written like a path: most likely a mistyped model name. */
function looksLikeName(choice: string): boolean {
  return !findManifestModel(choice) && !/[\\/]/.test(choice) && !/\.tflite$/i.test(choice);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: { model: { type: 'string', default: DEFAULT_MODEL }, threshold: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n${knownModels()}\n`);
    return 0;
  }
  if (args.positionals.length === 0) fail(`no image given\n${USAGE}`, 2);
  const threshold = args.values.threshold === undefined ? undefined : Number(args.values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) fail('--threshold must be a number from 0 to 1', 2);
  const choice = args.values.model;
  if (looksLikeName(choice)) fail(`unknown model ${choice} (${knownModels()})`);

  const supervisor = new CameraSupervisor({
    launcher: new NodeLauncher(),
    // Its stderr is one line per problem (below); the worker's own lines and the supervisor's are not.
    log: silentLogger(),
    calibrate: false,
    calibrationFile: null,
    settings: { threadsPerInterpreter: 1 },
    restart: { maxConsecutiveFailures: 1 },
    // Decoding a big picture blocks this process's loop for a while: not a reason to kill the worker.
    watchdogMs: 60_000,
  });
  const id = supervisor.addCamera({ name: 'detect', source: { kind: 'external' }, model: choice, scoreThreshold: threshold });
  let status;
  try {
    status = await supervisor.waitForState(id, 'running', 60_000);
  } catch {
    const why = supervisor.status(id)?.error ?? 'the worker did not start';
    await supervisor.stop();
    const line = why.startsWith('cannot load model') || why.startsWith('model') ? why : `cannot load model ${choice}: ${why}`;
    fail(findManifestModel(choice) ? line : `${line} (${knownModels()})`);
  }
  const model = status.modelInfo!;

  const pending = new Map<number, (r: ResultMessage | Error) => void>();
  const settleAll = (why: string) => {
    for (const settle of [...pending.values()]) settle(new Error(why));
  };
  supervisor.on('result', (r) => pending.get(r.frameId)?.(r));
  supervisor.on('dropped', (d) => pending.get(d.frameId)?.(new Error(`the worker rejected it: ${d.message ?? d.reason}`)));
  supervisor.on('change', (s) => {
    if (s.state === 'error' || s.state === 'restarting' || s.state === 'stopped') settleAll(`the worker failed: ${s.error ?? s.state}`);
  });

  /** Sends one frame and waits for its answer; never waits forever. */
  async function ask(image: DecodedImage): Promise<ResultMessage | Error> {
    const state = supervisor.status(id);
    if (state?.state === 'error') return new Error(`the worker failed: ${state.error ?? 'error'}`);
    if (state?.state !== 'running') {
      try {
        await supervisor.waitForState(id, 'running', ANSWER_TIMEOUT_MS);
      } catch {
        return new Error(`the worker did not come back: ${supervisor.status(id)?.error ?? 'no reason given'}`);
      }
    }
    const frame = toModelFrame(image, model.inputWidth, model.inputHeight);
    return new Promise((resolve) => {
      const frameId = supervisor.pushFrame(id, frame);
      const timer = setTimeout(() => settle(new Error(`no answer within ${ANSWER_TIMEOUT_MS / 1000} s`)), ANSWER_TIMEOUT_MS);
      const settle = (r: ResultMessage | Error) => {
        clearTimeout(timer);
        pending.delete(frameId);
        resolve(r);
      };
      pending.set(frameId, settle);
    });
  }

  let failures = 0;
  for (const file of args.positionals) {
    let image;
    try {
      image = decodeImage(file);
    } catch (err) {
      process.stderr.write(`detect: cannot read ${file}: ${err instanceof ImageError ? err.message : String((err as Error).message ?? err).split('\n')[0]}\n`);
      failures++;
      continue;
    }
    const answer = await ask(image);
    if (answer instanceof Error) {
      process.stderr.write(`detect: ${file}: ${answer.message}\n`);
      failures++;
      continue;
    }
    const line: Record<string, unknown> = {
      file: path.basename(file),
      width: image.width,
      height: image.height,
      detections: answer.detections.map((d) => ({ label: d.label, score: d.score, box: d.box, ...(d.keypoints.length > 0 ? { keypoints: d.keypoints } : {}) })),
    };
    if (answer.outputs) line.outputs = answer.outputs;
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  await supervisor.stop();
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => fail(err instanceof Error ? err.message : String(err)),
);
