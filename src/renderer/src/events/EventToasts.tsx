/** New events as toasts in a corner, and the count of events on each camera's tile. */
import { useStore } from 'zustand';
import { dismissToast, eventsStore } from './store';

export function EventToasts({ onOpen }: { onOpen: () => void }) {
  const toasts = useStore(eventsStore, (s) => s.toasts);
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" aria-live="polite" data-testid="event-toasts">
      {toasts.map((t) => (
        <div key={t.key} className="toast" data-testid="event-toast" data-camera-id={t.event.camera}>
          <button type="button" className="toast-body" onClick={onOpen}>
            <strong>{t.event.label}</strong> on {t.event.cameraName} · {t.event.score.toFixed(2)}
          </button>
          <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismissToast(t.key)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function EventCountBadge({ cameraId }: { cameraId: string }) {
  const count = useStore(eventsStore, (s) => s.counts.get(cameraId));
  return (
    <span
      className={`badge ${count?.live ? 'event-live' : 'muted'}`}
      data-testid="event-count"
      data-total={count?.total ?? 0}
      data-live={count?.live ?? 0}
      title="Events on this camera since this page opened (live now)"
    >
      {count?.total ?? 0} events{count?.live ? ` · ${count.live} live` : ''}
    </span>
  );
}
