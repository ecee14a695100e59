/**
 * Removing a camera can be undone for a few seconds: the camera is hidden and stops capturing at
 * once, and the engine is asked to remove it only when the time is up (each removal has its own clock, stopped while the pointer is on its bar). Undo brings the tile back as it was.
 */
import type { EngineBridge } from '../../../shared/contracts/engine-api';
import { errorMessage } from './engine';
import { pushNotice, setRemoving, store } from './store';

export const UNDO_MS = 8000;
/** After the pointer leaves the bar, at least this long is left to come back to it. */
const RESUME_MIN_MS = 3000;

interface Pending {
  name: string;
  until: number;
  timer: ReturnType<typeof setTimeout> | null;
  bridge: EngineBridge;
}

const pending = new Map<string, Pending>();
const listeners = new Set<() => void>();

export function pendingRemovals(): Array<{ id: string; name: string; until: number }> {
  return [...pending].map(([id, p]) => ({ id, name: p.name, until: p.until }));
}

export function onRemovalsChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(): void {
  for (const listener of listeners) listener();
}

export function scheduleRemoval(bridge: EngineBridge, id: string, name: string): void {
  if (pending.has(id)) return;
  setRemoving(id, true);
  const timer = setTimeout(() => void commit(bridge, id), UNDO_MS);
  pending.set(id, { name, until: Date.now() + UNDO_MS, timer, bridge });
  changed();
}

/** The pointer is on the undo bar: the clock stops, so Undo cannot vanish under it. */
export function holdRemoval(id: string): void {
  const p = pending.get(id);
  if (!p || !p.timer) return;
  clearTimeout(p.timer);
  p.timer = null;
  changed();
}

export function releaseRemoval(id: string): void {
  const p = pending.get(id);
  if (!p || p.timer) return;
  const left = Math.max(RESUME_MIN_MS, p.until - Date.now());
  p.until = Date.now() + left;
  p.timer = setTimeout(() => void commit(p.bridge, id), left);
  changed();
}

export function isHeld(id: string): boolean {
  return pending.get(id)?.timer === null;
}

export function undoRemoval(id: string): void {
  const p = pending.get(id);
  if (!p) return;
  if (p.timer) clearTimeout(p.timer);
  pending.delete(id);
  setRemoving(id, false);
  changed();
}

async function commit(bridge: EngineBridge, id: string): Promise<void> {
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  changed();
  try {
    await bridge.request({ method: 'removeCamera', id });
  } catch (err) {
    pushNotice({ level: 'error', message: `Could not remove ${p.name}: ${errorMessage(err)}` });
    setRemoving(id, false);
    return;
  }
  // The camera leaves the store with the next snapshot; until then it stays hidden.
  const stop = store.subscribe((state) => {
    if (!state.cameras.some((c) => c.id === id)) {
      stop();
      setRemoving(id, false);
    }
  });
}
