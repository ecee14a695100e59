/** Waiting for a camera to reach a state (the CLI, the bench and the tests wait for 'running'). */
import type { CameraState, CameraStatus } from '../shared/contracts/engine-api';

export interface StateSource {
  status(id: string): CameraStatus | undefined;
  /** Calls `check` after every camera change; returns the function that stops it. */
  watch(check: () => void): () => void;
}

/** Resolves when the camera reaches `state`; rejects when it lands in error, goes, or times out. */
export function waitForCameraState(source: StateSource, id: string, state: CameraState, timeoutMs: number): Promise<CameraStatus> {
  return new Promise((resolve, reject) => {
    let unwatch = (): void => undefined;
    const timer = setTimeout(() => {
      unwatch();
      reject(new Error(`camera ${id} did not reach ${state} within ${timeoutMs} ms (it is ${source.status(id)?.state})`));
    }, timeoutMs);
    const check = (): boolean => {
      const s = source.status(id);
      if (s?.state !== state && s && !(s.state === 'error' && state !== 'error')) return false;
      clearTimeout(timer);
      unwatch();
      if (s?.state === state) resolve(s);
      else reject(new Error(`camera ${id} is ${s ? `in error: ${s.error}` : 'gone'}`));
      return true;
    };
    if (!check()) unwatch = source.watch(() => void check());
  });
}
