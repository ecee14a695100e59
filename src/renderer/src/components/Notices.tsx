import { useEffect, useState, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { holdRemoval, isHeld, onRemovalsChange, pendingRemovals, releaseRemoval, undoRemoval } from '../state/removal';
import { dismissNotice, store } from '../state/store';

let removalsVersion = 0;
onRemovalsChange(() => removalsVersion++);

/** "Removed X. Undo" for each removal that can still be undone, with the seconds left. */
function UndoBars() {
  useSyncExternalStore(onRemovalsChange, () => removalsVersion);
  const [, tick] = useState(0);
  const removals = pendingRemovals();
  useEffect(() => {
    if (removals.length === 0) return;
    const timer = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(timer);
  }, [removals.length]);
  return (
    <>
      {removals.map((r) => (
        <div
          key={r.id}
          className="notice notice-info"
          role="status"
          data-testid="undo-remove"
          data-camera-id={r.id}
          onMouseEnter={() => holdRemoval(r.id)}
          onMouseLeave={() => releaseRemoval(r.id)}
        >
          <span>
            Removed {r.name}.{' '}
            {isHeld(r.id) ? 'Waiting while the pointer is here.' : `It stops for good in ${Math.max(0, Math.ceil((r.until - Date.now()) / 1000))} s.`}
          </span>
          <button type="button" className="undo" data-testid="undo-remove-button" onClick={() => undoRemoval(r.id)}>
            Undo
          </button>
        </div>
      ))}
    </>
  );
}

export function Notices() {
  const notices = useStore(store, (s) => s.notices);
  const connection = useStore(store, (s) => s.connection);
  const failures = useStore(store, (s) => s.connectionFailures);
  return (
    <div className="notices" data-testid="notices">
      <UndoBars />
      {connection !== 'open' && failures > 0 && (
        <div className="notice notice-warning" role="status" data-testid="connection-notice">
          Lost the connection to the engine; reconnecting…
          {failures >= 3 && ' Open the address serve mode printed (with ?token=): a new tab has no token until then, and after --new-token the old address no longer works.'}
        </div>
      )}
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.level}`} role={n.level === 'error' ? 'alert' : 'status'} data-testid="notice">
          <span>{n.message}</span>
          <button type="button" aria-label="Dismiss" onClick={() => dismissNotice(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
