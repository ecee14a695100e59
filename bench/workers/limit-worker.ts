/**
 * One process of the concurrent limit: one interpreter (1 thread, XNNPACK), a bare infer() loop.
 * Loads the model and says 'ready'; on 'go' it warms up, then counts invokes for the given time
 * and reports. The bench starts N of these, waits until every one is ready, and sends 'go' to all
 * at once, so the N loops run together.
 */
import { Detector } from '../../src/workers/detector';
import { LimitInbound, type LimitOutbound } from './limit-protocol';

if (typeof process.send !== 'function') throw new Error('start this with child_process.fork');
process.on('disconnect', () => process.exit(0));
const send = (m: LimitOutbound) => {
  if (process.connected) process.send!(m);
};
let detector: Detector | null = null;
process.on('message', (data: unknown) => {
  const parsed = LimitInbound.safeParse(data);
  if (!parsed.success) {
    send({ type: 'error', message: `bad message: ${parsed.error.message}` });
    return;
  }
  const m = parsed.data;
  try {
    if (m.type === 'init') {
      detector = new Detector({ modelPath: m.modelPath, modelName: m.modelName, threads: 1, delegate: 'xnnpack', delegatePath: m.delegatePath });
      send({ type: 'ready', delegate: detector.delegate });
      return;
    }
    if (!detector) throw new Error('go before init');
    const warmEnd = performance.now() + m.warmupMs;
    while (performance.now() < warmEnd) detector.inferOnly();
    let runs = 0;
    const started = performance.now();
    const end = started + m.durationMs;
    let now = started;
    while (now < end) {
      detector.inferOnly();
      runs++;
      now = performance.now();
    }
    send({ type: 'done', runs, seconds: (now - started) / 1000 });
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
