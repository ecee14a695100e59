/** New events as toasts in a corner, and the count of events on each camera's tile. */
import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { useEngine } from '../context';
import { store } from '../state/store';
import { dismissToast, eventsStore } from './store';
import { displayLabel } from '../../../shared/labels';

export function EventToasts({ onOpen }: { onOpen: () => void }) {
  const toasts = useStore(eventsStore, (s) => s.toasts);
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" aria-live="polite" data-testid="event-toasts">
      {toasts.map((t) => (
        <div key={t.key} className="toast" data-testid="event-toast" data-camera-id={t.event.camera}>
          <button type="button" className="toast-body" onClick={onOpen}>
            <strong>{displayLabel(t.event.label)}</strong> on {t.event.cameraName} · {t.event.score.toFixed(2)}
          </button>
          <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismissToast(t.key)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/** The camera's stored events, as the engine's database counts them (asked again when one starts or is deleted here), and those live now. */
export function EventCountBadge({ cameraId }: { cameraId: string }) {
  const { bridge } = useEngine();
  const count = useStore(eventsStore, (s) => s.counts.get(cameraId));
  const revision = useStore(eventsStore, (s) => s.countsRevision);
  const connection = useStore(store, (s) => s.connection);
  const [stored, setStored] = useState<number | null>(null);
  useEffect(() => {
    if (connection !== 'open') return;
    let current = true;
    bridge.request({ method: 'listEvents', query: { camera: cameraId, limit: 1 } }).then(
      (page) => {
        if (current && page.total !== undefined) setStored(page.total);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [bridge, cameraId, revision, connection]);
  const total = stored ?? 0;
  return (
    <span
      className={`badge ${count?.live ? 'event-live' : 'muted'}`}
      data-testid="event-count"
      data-total={total}
      data-live={count?.live ?? 0}
      title="Events stored for this camera (live now)"
    >
      {stored === null ? '–' : total} events{count?.live ? ` · ${count.live} live` : ''}
    </span>
  );
}
