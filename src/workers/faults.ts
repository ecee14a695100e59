/**
 * Fault injection for the reliability tests, switched on only by MULTICAM_FAULT in the worker's
 * environment (the supervisor passes it through only when a test asks for it):
 *   crash-on-start  the process exits with code 3 before it says hello
 *   hang-after:N    after N inferences the next one blocks the thread for 10 minutes,
 *                   as an interpreter stuck inside infer() would (no CPU is burnt)
 */
const fault = process.env.MULTICAM_FAULT ?? '';
const hangAfter = /^hang-after:(\d+)$/.exec(fault);

export function applyFaultInjection(): void {
  if (fault === 'crash-on-start') {
    process.stderr.write('MULTICAM_FAULT=crash-on-start: exiting\n');
    process.exit(3);
  }
}

export function maybeHang(inferencesSoFar: number): void {
  if (hangAfter && inferencesSoFar >= Number(hangAfter[1])) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 * 60 * 1000);
  }
}
