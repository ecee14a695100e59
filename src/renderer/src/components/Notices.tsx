import { useStore } from 'zustand';
import { dismissNotice, store } from '../state/store';

export function Notices() {
  const notices = useStore(store, (s) => s.notices);
  const connection = useStore(store, (s) => s.connection);
  const failures = useStore(store, (s) => s.connectionFailures);
  return (
    <div className="notices" data-testid="notices">
      {connection !== 'open' && failures > 0 && (
        <div className="notice notice-warning" role="status" data-testid="connection-notice">
          Lost the connection to the engine; reconnecting…
          {failures >= 3 && ' If serve mode was restarted, open the new address it printed: the old one carries an old access token.'}
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
