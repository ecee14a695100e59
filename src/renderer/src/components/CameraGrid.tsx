import { useRef } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { useEngine } from '../context';
import { errorMessage } from '../state/engine';
import { orderedIds, pushNotice, store } from '../state/store';
import { findGroup, groupChoice } from '../state/groups';
import { CameraTile } from './CameraTile';
import { GroupBar } from './GroupBar';

export interface GridProps {
  onEdit: (id: string) => void;
  onAdd: () => void;
  fullscreen: string | null;
  onFullscreen: (id: string | null) => void;
}

/** Moves `dragged` to where `target` is; the others keep their order. */
export function moveBefore(ids: string[], dragged: string, target: string): string[] {
  if (dragged === target) return ids;
  const from = ids.indexOf(dragged);
  const to = ids.indexOf(target);
  if (from < 0 || to < 0) return ids;
  const next = ids.filter((id) => id !== dragged);
  next.splice(to, 0, dragged);
  return next;
}

export function CameraGrid({ onEdit, onAdd, fullscreen, onFullscreen }: GridProps) {
  const { bridge } = useEngine();
  const all = useStore(store, useShallow((s) => orderedIds(s)));
  const removing = useStore(store, (s) => s.removing);
  const loaded = useStore(store, (s) => s.snapshot !== null);
  const dragged = useRef<string | null>(null);
  const ids = all.filter((id) => !removing.has(id));
  const group = findGroup(useStore(store, (s) => s.config?.groups), useStore(groupChoice, (s) => s.group));
  if (!loaded) return <div className="empty" data-testid="grid-loading">Connecting to the engine…</div>;
  if (ids.length === 0) {
    return (
      <div className="empty" data-testid="grid-empty">
        No cameras yet. <button type="button" onClick={onAdd}>Add a camera</button>
      </div>
    );
  }

  const drop = async (target: string): Promise<void> => {
    const from = dragged.current;
    dragged.current = null;
    if (!from) return;
    const order = moveBefore(all, from, target);
    if (order === all) return;
    try {
      await bridge.request({ method: 'reorderCameras', ids: order });
    } catch (err) {
      pushNotice({ level: 'error', message: `Could not save the new order: ${errorMessage(err)}` });
    }
  };

  // Cameras outside the chosen group stay mounted, only hidden: a page-captured camera keeps capturing.
  const shown = group ? ids.filter((id) => group.cameras.includes(id)) : ids;
  return (
    <>
      <GroupBar />
      {shown.length === 0 && (
        <div className="empty" data-testid="group-empty">
          No cameras in this group yet: Edit group to add some.
        </div>
      )}
      <div className={`grid grid-${Math.max(1, Math.min(shown.length, 4))}`} data-testid="camera-grid" data-group={group?.name ?? ''}>
        {ids.map((id) => (
          <div key={id} className="grid-cell" hidden={!shown.includes(id)}>
            <CameraTile
              cameraId={id}
              onEdit={onEdit}
              fullscreen={fullscreen === id}
              onFullscreen={onFullscreen}
              onDragStart={(from) => {
                dragged.current = from;
              }}
              onDropOn={(target) => void drop(target)}
            />
          </div>
        ))}
      </div>
    </>
  );
}
