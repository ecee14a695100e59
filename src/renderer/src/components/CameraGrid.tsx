import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { store } from '../state/store';
import { CameraTile } from './CameraTile';

export function CameraGrid({ onEdit, onAdd }: { onEdit: (id: string) => void; onAdd: () => void }) {
  const ids = useStore(store, useShallow((s) => s.cameras.map((c) => c.id)));
  const loaded = useStore(store, (s) => s.snapshot !== null);
  if (!loaded) return <div className="empty" data-testid="grid-loading">Connecting to the engine…</div>;
  if (ids.length === 0) {
    return (
      <div className="empty" data-testid="grid-empty">
        No cameras yet. <button type="button" onClick={onAdd}>Add a camera</button>
      </div>
    );
  }
  return (
    <div className={`grid grid-${Math.min(ids.length, 4)}`} data-testid="camera-grid">
      {ids.map((id) => (
        <CameraTile key={id} cameraId={id} onEdit={onEdit} />
      ))}
    </div>
  );
}
