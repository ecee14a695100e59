/** A tiny listener set: add returns its own unsubscribe function. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (err) {
        console.error('listener failed', err);
      }
    }
  }

  get size(): number {
    return this.set.size;
  }
}
