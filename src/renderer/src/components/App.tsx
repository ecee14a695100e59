import { useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { useCanChange, useEngine } from '../context';
import { store } from '../state/store';
import { CameraDialog } from './CameraDialog';
import { CameraGrid } from './CameraGrid';
import { Notices } from './Notices';
import { SettingsPanel } from './SettingsPanel';
import { FfmpegSettings } from './FfmpegSettings';
import { ThroughputPanel } from './ThroughputPanel';
import { EventsView } from '../events/EventsView';
import { EventToasts } from '../events/EventToasts';
import { EventsSettings } from '../events/EventsSettings';
import { connectEvents } from '../events/store';
import { AccountBar } from '../account/AccountBar';

type Dialog = { kind: 'add' } | { kind: 'edit'; id: string } | { kind: 'settings' } | null;

export function App() {
  const { bridge, account } = useEngine();
  // A viewer watches: the server refuses its changes (src/serve/access.ts), so none is offered.
  const canChange = useCanChange();
  const connection = useStore(store, (s) => s.connection);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [fullscreen, setFullscreen] = useState<string | null>(null);
  const [view, setView] = useState<'cameras' | 'events'>('cameras');
  useEffect(() => connectEvents(bridge), [bridge]);
  const close = (): void => setDialog(null);

  // Escape closes whatever is open on top: a dialog, the settings, then the full-screen view.
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      if (dialog) setDialog(null);
      else if (fullscreen) setFullscreen(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [dialog, fullscreen]);

  return (
    <div className="app" data-testid="app" data-connection={connection}>
      <header className="topbar">
        <h1>Multicam Recognition</h1>
        <span className={`conn conn-${connection}`} data-testid="connection">
          {bridge.kind === 'web' ? 'serve mode' : 'desktop'} · {connection === 'open' ? 'connected' : connection}
        </span>
        <nav className="views">
          <button type="button" aria-pressed={view === 'cameras'} onClick={() => setView('cameras')} data-testid="view-cameras">
            Cameras
          </button>
          <button type="button" aria-pressed={view === 'events'} onClick={() => setView('events')} data-testid="view-events">
            Events
          </button>
        </nav>
        <div className="spacer" />
        <AccountBar account={account ?? null} />
        {canChange && (
          <button type="button" className="primary" data-testid="add-camera" onClick={() => setDialog({ kind: 'add' })}>
            Add camera
          </button>
        )}
        {canChange && (
          <button type="button" data-testid="open-settings" onClick={() => setDialog(dialog?.kind === 'settings' ? null : { kind: 'settings' })}>
            Settings
          </button>
        )}
      </header>
      <Notices />
      <main className="layout">
        {/* The grid stays mounted under the Events view: its pages keep capturing. */}
        <div className="main-view" hidden={view !== 'cameras'}>
          <CameraGrid
            onAdd={() => setDialog({ kind: 'add' })}
            onEdit={(id) => setDialog({ kind: 'edit', id })}
            fullscreen={fullscreen}
            onFullscreen={setFullscreen}
          />
        </div>
        {view === 'events' && <EventsView />}
        <div className="side">
          {dialog?.kind === 'settings' && <SettingsPanel onClose={close} />}
          {dialog?.kind === 'settings' && <FfmpegSettings />}
          {dialog?.kind === 'settings' && <EventsSettings />}
          <ThroughputPanel />
        </div>
      </main>
      <EventToasts onOpen={() => setView('events')} />
      {(dialog?.kind === 'add' || dialog?.kind === 'edit') && (
        <CameraDialog key={dialog.kind === 'edit' ? dialog.id : 'add'} editId={dialog.kind === 'edit' ? dialog.id : null} onClose={close} />
      )}
    </div>
  );
}
