/**
 * Retention: closed events older than maxDays go, then the oldest closed events until their
 * snapshots fit in maxMB. Open events are never deleted. Runs when the store opens and then
 * periodically while the app runs.
 */
import type { EventStore } from './store';

export interface RetentionPolicy {
  /** Keep events this many days; null keeps them forever. */
  maxDays: number | null;
  /** Keep snapshots within this many megabytes (1 MB = 1,000,000 bytes); null for no cap. */
  maxMB: number | null;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxDays: 30, maxMB: 2000 };
const DAY_MS = 24 * 60 * 60 * 1000;

export function enforceRetention(store: EventStore, policy: RetentionPolicy, now = Date.now()): { byAge: number; bySize: number } {
  let byAge = 0;
  let bySize = 0;
  if (policy.maxDays !== null) {
    for (const id of store.closedIdsBefore(now - policy.maxDays * DAY_MS)) if (store.delete(id)) byAge++;
  }
  if (policy.maxMB !== null) {
    const cap = policy.maxMB * 1_000_000;
    const { total, closed } = store.sizes();
    let size = total;
    for (const ev of closed) {
      if (size <= cap) break;
      if (store.delete(ev.id)) bySize++;
      size -= ev.bytes;
    }
  }
  return { byAge, bySize };
}
