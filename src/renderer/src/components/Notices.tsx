import { useStore } from 'zustand';
import { dismissNotice, store } from '../state/store';

export function Notices() {
  const notices = useStore(store, (s) => s.notices);
  const connection = useStore(store, (s) => s.connection);
  return (
    <div className="notices" data-testid="notices">
      {connection === 'closed' && (
        <div className="notice notice-warning" role="status" data-testid="connection-notice">
          Lost the connection to the engine; reconnecting…
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
