/**
 * Runs a callback on the next animation frame, or soon when the page is hidden (animation frames
 * stop in hidden pages, and a hidden desktop window still has to keep its state current).
 */
export function nextFrame(callback: () => void): void {
  if (typeof document !== 'undefined' && document.hidden) setTimeout(callback, 50);
  else requestAnimationFrame(() => callback());
}

/** Collects values and hands them over once per animation frame, newest per key. */
export class FrameBatcher<K, V> {
  private pending = new Map<K, V>();
  private scheduled = false;

  constructor(private readonly flush: (batch: Map<K, V>) => void) {}

  push(key: K, value: V): void {
    this.pending.set(key, value);
    if (this.scheduled) return;
    this.scheduled = true;
    nextFrame(() => {
      this.scheduled = false;
      const batch = this.pending;
      this.pending = new Map();
      this.flush(batch);
    });
  }
}
