"""The seed's designs, as a peer for `npm run bench` (strategy seed-python).

Python with TensorFlow's own TF Lite interpreter (tf.lite.Interpreter, 1 thread; TensorFlow applies
its XNNPACK delegate to float models by default), on the same model and the same stream frames:

  mutex: ONE interpreter behind a threading.Lock; N threads (one per stream) take turns.
  pool:  a ThreadPoolExecutor of min(N, cores) threads, each with its own interpreter
         (thread-local), streams submitting to it.

Every frame is normalised with numpy as it is sent (outside the lock), copied in with set_tensor, run with invoke(), and its
outputs copied out with get_tensor: the seed's path. Each stream sends its next frame when the last
one is answered (closed loop), as every other strategy in the bench.

An answer is the stream's own when the anchor with the highest score is the one that stream's
frame gives when run alone (computed first, on a fresh interpreter).

Reads one JSON object on stdin:
  {model, frames, width, height, streams: [N...], designs: ["mutex", "pool"], seconds, warmup,
   cores, mean, std}
where `frames` is a file of stream frames, RGB uint8, width*height*3 bytes each, one after another.
Writes one JSON line per design and N to stdout; progress to stderr.
"""

import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def make_interpreter(model_path):
    interpreter = tf.lite.Interpreter(model_path=model_path, num_threads=1)
    interpreter.allocate_tensors()
    return interpreter


class Runner:
    """One interpreter's input and score-output indices, and the seed's per-frame call."""

    def __init__(self, interpreter):
        self.interpreter = interpreter
        self.input = interpreter.get_input_details()[0]["index"]
        outputs = interpreter.get_output_details()
        # The score tensor is the one with a single value per anchor; the others are copied out too.
        self.scores = next((o["index"] for o in outputs if o["shape"][-1] == 1), outputs[-1]["index"])
        self.others = [o["index"] for o in outputs if o["index"] != self.scores]

    def run(self, tensor):
        self.interpreter.set_tensor(self.input, tensor)
        self.interpreter.invoke()
        for index in self.others:
            self.interpreter.get_tensor(index)
        return int(np.argmax(self.interpreter.get_tensor(self.scores)))


def percentile(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    return float(s[min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))])


def normalise(cfg, frame):
    return (frame.astype(np.float32) - cfg["mean"]) / cfg["std"]


def measure(cfg, design, n, frames, expected):
    """One design at N streams: warm-up, then answers counted for `seconds`."""
    state = {"measuring": False, "stopping": False, "start": 0.0, "end": 0.0}
    per_stream = [0] * n
    latencies = []
    wrong = [0]
    record = threading.Lock()

    if design == "mutex":
        shared = Runner(make_interpreter(cfg["model"]))
        lock = threading.Lock()
        workers = n

        def infer(stream):
            tensor = normalise(cfg, frames[stream])
            with lock:
                return shared.run(tensor)
    else:
        local = threading.local()
        workers = min(n, cfg["cores"])

        def infer(stream):
            runner = getattr(local, "runner", None)
            if runner is None:
                runner = local.runner = Runner(make_interpreter(cfg["model"]))
            return runner.run(normalise(cfg, frames[stream]))

    pool = ThreadPoolExecutor(max_workers=workers)
    outstanding = threading.Semaphore(0)

    def submit(stream):
        sent = time.perf_counter()
        future = pool.submit(infer, stream)
        future.add_done_callback(lambda f: answered(stream, sent, f))

    def answered(stream, sent, future):
        at = time.perf_counter()
        anchor = future.result()
        if state["measuring"] and state["start"] <= at <= state["end"]:
            with record:
                per_stream[stream] += 1
                latencies.append((at - sent) * 1000)
                if not own(stream, anchor, expected):
                    wrong[0] += 1
        if state["stopping"]:
            outstanding.release()
        else:
            submit(stream)

    for s in range(n):
        submit(s)
    time.sleep(cfg["warmup"])
    cpu0 = time.process_time()
    state["start"] = time.perf_counter()
    state["end"] = state["start"] + cfg["seconds"]
    state["measuring"] = True
    time.sleep(cfg["seconds"])
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - state["start"]
    state["stopping"] = True
    for _ in range(n):
        outstanding.acquire(timeout=10)
    pool.shutdown(wait=True)

    done = sum(per_stream)
    rates = [c / cfg["seconds"] for c in per_stream]
    return {
        "design": design,
        "streams": n,
        "interpreters": 1 if design == "mutex" else workers,
        "threads": 1,
        "ips": done / cfg["seconds"],
        "min_stream_ips": min(rates),
        "max_stream_ips": max(rates),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "cpu": max(0.0, cpu / wall / cfg["cores"]),
        "misattributed": wrong[0],
        "frames": done,
    }


def own(stream, anchor, expected):
    """The answer is this stream's: the anchor its frame gives when run alone."""
    return anchor == expected[stream]


def exit_with_parent():
    """Never outlive the bench: exit when the parent process is gone (re-parented)."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def main():
    exit_with_parent()
    cfg = json.load(sys.stdin)
    w, h = cfg["width"], cfg["height"]
    raw = np.fromfile(cfg["frames"], dtype=np.uint8)
    count = raw.size // (w * h * 3)
    frames = raw[: count * w * h * 3].reshape(count, 1, h, w, 3)
    cfg["mean"], cfg["std"] = float(cfg["mean"]), float(cfg["std"])
    reference = Runner(make_interpreter(cfg["model"]))
    expected = [reference.run(normalise(cfg, f)) for f in frames]
    sys.stderr.write(f"seed-python: TensorFlow {tf.__version__}, expected anchors {expected[: max(cfg['streams'])]}\n")
    print(json.dumps({"type": "info", "tensorflow": tf.__version__, "expected": expected}), flush=True)
    for design in cfg["designs"]:
        for n in cfg["streams"]:
            sys.stderr.write(f"seed-python ({design}) N={n}\n")
            row = measure(cfg, design, n, frames, expected)
            print(json.dumps({"type": "row", **row}), flush=True)


if __name__ == "__main__":
    main()
