// browser-wasm: N TFLite WASM interpreters on one page, all on the main thread, one loop per
// stream: normalise into the input tensor, infer(), decode, yield a task. Driven by bench/strategies/browser.ts.
import { BlazeFaceDecoder } from '/blazeface.js';

const FULL = { x: 0, y: 0, w: 1, h: 1 };
const channel = new MessageChannel();
const queue = [];
channel.port1.onmessage = () => queue.shift()?.();
const nextTask = () => new Promise((resolve) => { queue.push(resolve); channel.port2.postMessage(0); });

let state = null;

window.benchSetup = async ({ streams, decoder, normalization, threshold }) => {
  tflite.setWasmPath('/wasm/');
  const frameBytes = new Uint8Array(await (await fetch('/frames.bin')).arrayBuffer());
  const runners = [];
  for (let s = 0; s < streams; s++) {
    const model = await tflite.loadTFLiteModel('/model.tflite', { numThreads: 1 });
    runners.push(model.modelRunner);
  }
  const inputSize = runners[0].getInputs()[0].data().length;
  const frames = [];
  for (let s = 0; s < streams; s++) frames.push(frameBytes.subarray(s * inputSize, (s + 1) * inputSize));
  const outputs = runners[0].getOutputs().map((t) => t.shape);
  const regIndex = outputs.findIndex((sh) => sh === `1,${decoder.numBoxes},${decoder.numCoords}`);
  const scoreIndex = outputs.findIndex((sh) => sh === `1,${decoder.numBoxes},1`);
  state = { runners, frames, decoder: new BlazeFaceDecoder(decoder), regIndex, scoreIndex, mean: normalization.mean, scale: 1 / normalization.std, threshold };
  const wasm = performance.getEntriesByType('resource').map((e) => e.name.split('/').pop()).filter((n) => n.endsWith('.wasm'));
  return { inputSize, outputs, regIndex, scoreIndex, wasm: [...new Set(wasm)], crossOriginIsolated: self.crossOriginIsolated === true };
};

window.benchRun = async ({ warmupMs, seconds }) => {
  const st = state;
  const n = st.runners.length;
  let stop = false;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  const results = [];
  const longTasks = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push([e.startTime, e.duration]);
  });
  observer.observe({ type: 'longtask' });

  const loop = async (s) => {
    const runner = st.runners[s];
    const frame = st.frames[s];
    const outs = runner.getOutputs();
    while (!stop) {
      const sent = performance.now();
      const input = runner.getInputs()[0].data();
      for (let i = 0; i < frame.length; i++) input[i] = (frame[i] - st.mean) * st.scale;
      runner.infer();
      const dets = st.decoder.decode(outs[st.regIndex].data(), outs[st.scoreIndex].data(), FULL, st.threshold);
      const at = performance.now();
      if (at >= windowStart && at <= windowEnd) {
        let best = null;
        for (const d of dets) if (!best || d.score > best.score) best = d;
        results.push(best ? [s, at - sent, best.score, best.box.x, best.box.y, best.box.w, best.box.h] : [s, at - sent]);
      }
      await nextTask();
    }
  };
  const loops = [];
  for (let s = 0; s < n; s++) loops.push(loop(s));
  await new Promise((r) => setTimeout(r, warmupMs));
  windowStart = performance.now();
  windowEnd = windowStart + seconds * 1000;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  await Promise.all(loops);
  // Long tasks are reported after they end: give the observer a moment.
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  const inWindow = longTasks.filter(([t]) => t >= windowStart && t <= windowEnd);
  return { results, longTasks: { count: inWindow.length, totalMs: inWindow.reduce((a, [, d]) => a + d, 0) } };
};
window.benchReady = true;
