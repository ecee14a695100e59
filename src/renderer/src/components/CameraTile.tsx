/** One camera: live picture, detection overlay, badges, state in words, and its controls. */
import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { useEngine } from '../context';
import { fmt } from '../format';
import { errorMessage } from '../state/engine';
import { pushNotice, store } from '../state/store';
import { describeCamera } from './describe';
import { Overlay } from './Overlay';

export function CameraTile({ cameraId, onEdit }: { cameraId: string; onEdit: (id: string) => void }) {
  const { bridge, captures } = useEngine();
  const status = useStore(store, (s) => s.cameras.find((c) => c.id === cameraId));
  const capture = useStore(store, (s) => s.capture.get(cameraId));
  const connection = useStore(store, (s) => s.connection);
  const hasResult = useStore(store, (s) => s.results.has(cameraId));
  const mediaRef = useRef<HTMLDivElement>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Borrow the capture's element: it keeps playing (and capturing) whatever React does.
  useEffect(() => {
    const attach = (): void => {
      const holder = mediaRef.current;
      const element = captures.elementFor(cameraId);
      if (!holder) return;
      for (const child of [...holder.children]) if (child !== element) child.remove();
      if (element && element.parentElement !== holder) holder.append(element);
      // Moving a media element pauses it; it is the capture's clock, so start it again.
      if (element instanceof HTMLVideoElement && element.paused && (element.srcObject || element.src)) void element.play().catch(() => undefined);
    };
    attach();
    return captures.onElementChange((id) => {
      if (id === cameraId) attach();
    });
  }, [captures, cameraId]);

  if (!status) return null;
  const described = describeCamera(status, capture, connection, hasResult);
  const latency = status.endToEndP50Ms > 0 ? status.endToEndP50Ms : status.inferP50Ms;
  const skipped = status.framesSkipped + (capture?.skipped ?? 0);
  // Engine-side cameras (ffmpeg): the camera's own decoded fps, not this page's capture rate.
  const engineSide = status.fps !== undefined;
  const fps = engineSide ? status.fps! : (capture?.fps ?? 0);

  const remove = async (): Promise<void> => {
    setBusy(true);
    try {
      await bridge.request({ method: 'removeCamera', id: cameraId });
    } catch (err) {
      pushNotice({ level: 'error', message: `Could not remove ${status.name}: ${errorMessage(err)}` });
      setBusy(false);
    }
  };

  const rename = async (name: string): Promise<void> => {
    setRenaming(null);
    const trimmed = name.trim();
    if (!trimmed || trimmed === status.name) return;
    try {
      await bridge.request({ method: 'updateCamera', id: cameraId, patch: { name: trimmed.slice(0, 100) } });
    } catch (err) {
      pushNotice({ level: 'error', message: `Could not rename ${status.name}: ${errorMessage(err)}` });
    }
  };

  return (
    <section className={`tile tile-${described.state}`} data-testid="camera-tile" data-camera-id={cameraId} data-camera-name={status.name}>
      <header className="tile-header">
        {renaming === null ? (
          <h2 className="tile-name" data-testid="camera-name" title="Double-click to rename" onDoubleClick={() => setRenaming(status.name)}>
            {status.name}
          </h2>
        ) : (
          <form
            className="tile-rename"
            onSubmit={(e) => {
              e.preventDefault();
              void rename(renaming);
            }}
          >
            <input
              autoFocus
              aria-label="Camera name"
              data-testid="rename-input"
              value={renaming}
              maxLength={100}
              onChange={(e) => setRenaming(e.target.value)}
              onBlur={() => void rename(renaming)}
              onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)}
            />
          </form>
        )}
        <div className="tile-actions">
          <button type="button" data-testid="rename-camera" onClick={() => setRenaming(status.name)} title="Rename">
            Rename
          </button>
          <button type="button" data-testid="edit-camera" onClick={() => onEdit(cameraId)} title="Model, threshold, frame rate">
            Edit
          </button>
          <button type="button" data-testid="remove-camera" className="danger" disabled={busy} onClick={() => void remove()}>
            Remove
          </button>
        </div>
      </header>
      <div className="tile-media-box">
        <div className="tile-media-holder" ref={mediaRef} />
        <Overlay cameraId={cameraId} />
        {described.busy && <div className="spinner" data-testid="tile-spinner" aria-hidden="true" />}
      </div>
      <div className="tile-state" data-testid="camera-state" data-state={described.state} title={described.text}>
        {described.text}
      </div>
      <div className="badges">
        <span className="badge" data-testid="capture-fps" title={engineSide ? 'Frames the camera’s ffmpeg decoded per second' : 'Frames this page captured per second'}>
          {fmt(fps, 0)} fps
        </span>
        <span className="badge" data-testid="ips" data-value={status.ips1s} title="Inferences per second (last second)">
          {fmt(status.ips1s)} inf/s
        </span>
        <span className="badge" data-testid="latency" title="Frame to result, median (inference alone when unknown)">
          {fmt(latency, 0)} ms
        </span>
        <span className="badge" data-testid="skipped" title="Frames replaced by a newer one before inference">
          {skipped} skipped
        </span>
        {engineSide && (
          <span className="badge" data-testid="ffmpeg" title={`ffmpeg pid ${status.ffmpegPid ?? '–'}: CPU and memory; reconnects`}>
            ffmpeg {status.ffmpegCpuPercent == null ? '–' : `${fmt(status.ffmpegCpuPercent, 0)} %`} ·{' '}
            {status.ffmpegRssBytes == null ? '–' : `${fmt(status.ffmpegRssBytes / 2 ** 20, 0)} MiB`} · {status.reconnects ?? 0} reconnects
          </span>
        )}
        <span className="badge muted" title="Model">
          {status.modelInfo?.name ?? status.model}
        </span>
      </div>
    </section>
  );
}
