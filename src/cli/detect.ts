/**
 * npm run detect -- [--model NAME|PATH] [--threshold T] IMAGE...
 *
 * Runs PNG and JPEG files through one camera worker process (the same worker, decoder and
 * protocol as the app) and prints one JSON line per image:
 *   {"file": "<basename>", "width": W, "height": H, "detections": [{"score", "box", "keypoints"}]}
 * Coordinates are normalised to the image. Problems go to stderr as one line each; the exit code
 * is 1 if any image or the model failed, 2 for a usage error.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage, toModelFrame } from '../engine/images';
import { NodeLauncher } from '../engine/node-launcher';
import { CameraSupervisor } from '../engine/supervisor';
import { DEFAULT_MODEL } from '../shared/models';
import type { ResultMessage } from '../shared/contracts/frames';

const USAGE = 'usage: npm run detect -- [--model NAME|PATH] [--threshold 0..1] IMAGE...';

function fail(message: string, code = 1): never {
  process.stderr.write(`detect: ${message}\n`);
  process.exit(code);
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
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.positionals.length === 0) fail(`no image given\n${USAGE}`, 2);
  const threshold = args.values.threshold === undefined ? undefined : Number(args.values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) fail('--threshold must be a number from 0 to 1', 2);

  const supervisor = new CameraSupervisor({
    launcher: new NodeLauncher({ forwardStderr: false }),
    calibrate: false,
    calibrationFile: null,
    settings: { threadsPerInterpreter: 1 },
    restart: { maxConsecutiveFailures: 1 },
  });
  const id = supervisor.addCamera({ name: 'detect', source: { kind: 'external' }, model: args.values.model, scoreThreshold: threshold });
  let status;
  try {
    status = await supervisor.waitForState(id, 'running', 60_000);
  } catch {
    const why = supervisor.status(id)?.error ?? 'the worker did not start';
    await supervisor.stop();
    fail(why.startsWith('cannot load model') || why.startsWith('model') ? why : `cannot load model ${args.values.model}: ${why}`);
  }
  const model = status.modelInfo!;

  const results = new Map<number, (r: ResultMessage | Error) => void>();
  supervisor.on('result', (r) => results.get(r.frameId)?.(r));
  supervisor.on('dropped', (d) => results.get(d.frameId)?.(new Error(d.message ?? `frame ${d.reason}`)));
  supervisor.on('change', (s) => {
    if (s.state === 'error' || s.state === 'restarting') for (const settle of results.values()) settle(new Error(s.error ?? 'the worker stopped'));
  });

  let failures = 0;
  for (const file of args.positionals) {
    let image;
    try {
      image = decodeImage(file);
    } catch (err) {
      process.stderr.write(`detect: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}\n`);
      failures++;
      continue;
    }
    const frame = toModelFrame(image, model.inputWidth, model.inputHeight);
    const answer = await new Promise<ResultMessage | Error>((resolve) => {
      const frameId = supervisor.pushFrame(id, frame);
      results.set(frameId, resolve);
    });
    results.clear();
    if (answer instanceof Error) {
      process.stderr.write(`detect: ${file}: ${answer.message}\n`);
      failures++;
      continue;
    }
    const line: Record<string, unknown> = {
      file: path.basename(file),
      width: image.width,
      height: image.height,
      detections: answer.detections.map((d) => ({ score: d.score, box: d.box, keypoints: d.keypoints })),
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
