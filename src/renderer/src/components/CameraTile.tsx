/** One camera: live picture, detection overlay, badges, state in words, and its controls. */
import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { useCanChange, useEngine } from '../context';
import { fmt } from '../format';
import { errorMessage } from '../state/engine';
import { scheduleRemoval } from '../state/removal';
import { pushNotice, store } from '../state/store';
import { describeCamera } from './describe';
import { cameraFigures, STALE_TITLE } from './figures';
import { Overlay } from './Overlay';
import { CameraEventsForm, ZoneLayer } from '../events/camera-events';
import { ZoneOutlines } from '../events/zone-shapes';
import { EventCountBadge } from '../events/EventToasts';

export interface TileProps {
  cameraId: string;
  onEdit: (id: string) => void;
  fullscreen: boolean;
  onFullscreen: (id: string | null) => void;
  /** Drag and drop to reorder: the grid owns the order. */
  onDragStart: (id: string) => void;
  onDropOn: (id: string) => void;
}

/** What an engine-side camera's tile shows: its own video (e.g. "H.264 live") or the JPEG fallback, with the stream's size and rate. */
function LiveViewBadge({ cameraId }: { cameraId: string }) {
  const { captures } = useEngine();
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const info = captures.viewInfo(cameraId);
  if (!info) return null;
  const size = info.width && info.height ? ` · ${info.width}×${info.height}` : '';
  const rate = info.fps === null ? '' : ` · ${fmt(info.fps, 0)} fps`;
  return (
    <span className="badge" data-testid="live-mode" data-mode={info.label} title="What this tile shows: the camera's own video, or JPEG previews when this browser cannot play its codec">
      {info.label}
      {size}
      {rate}
    </span>
  );
}

export function CameraTile({ cameraId, onEdit, fullscreen, onFullscreen, onDragStart, onDropOn }: TileProps) {
  const { bridge, captures } = useEngine();
  const canChange = useCanChange();
  const status = useStore(store, (s) => s.cameras.find((c) => c.id === cameraId));
  const capture = useStore(store, (s) => s.capture.get(cameraId));
  const connection = useStore(store, (s) => s.connection);
  const hasResult = useStore(store, (s) => s.results.has(cameraId));
  const mediaRef = useRef<HTMLDivElement>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [dropTarget, setDropTarget] = useState(false);
  const [eventsOpen, setEventsOpen] = useState(false);

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
  const figures = cameraFigures(status, capture);
  // Engine-side cameras (ffmpeg): the camera's own decoded fps, not this page's capture rate.
  const engineSide = status.fps !== undefined;

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
    <section
      className={`tile tile-${described.state}${fullscreen ? ' tile-fullscreen' : ''}${dropTarget ? ' tile-drop' : ''}`}
      data-testid="camera-tile"
      data-camera-id={cameraId}
      data-camera-name={status.name}
      data-fullscreen={fullscreen ? 'true' : 'false'}
      onDragOver={(e) => {
        e.preventDefault();
        setDropTarget(true);
      }}
      onDragLeave={() => setDropTarget(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDropTarget(false);
        onDropOn(cameraId);
      }}
    >
      <header
        className="tile-header"
        draggable={renaming === null && !fullscreen}
        data-testid="tile-drag-handle"
        title="Drag to reorder"
        onDragStart={(e) => {
          e.dataTransfer.effectAllowed = 'move';
          e.dataTransfer.setData('text/plain', cameraId);
          onDragStart(cameraId);
        }}
      >
        {renaming === null ? (
          <h2 className="tile-name" data-testid="camera-name" title={canChange ? 'Double-click to rename' : undefined} onDoubleClick={() => canChange && setRenaming(status.name)}>
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
          {canChange && (
            <>
              <button type="button" data-testid="rename-camera" onClick={() => setRenaming(status.name)} title="Rename">
                Rename
              </button>
              <button type="button" data-testid="edit-camera" onClick={() => onEdit(cameraId)} title="Model, threshold, frame rate">
                Edit
              </button>
            </>
          )}
          <button
            type="button"
            data-testid="fullscreen-camera"
            onClick={() => onFullscreen(fullscreen ? null : cameraId)}
            title={fullscreen ? 'Back to the grid (Escape)' : 'Show this camera on the whole window'}
          >
            {fullscreen ? 'Exit full screen' : 'Full screen'}
          </button>
          {canChange && (
            <>
              <button type="button" data-testid="camera-events-open" aria-pressed={eventsOpen} onClick={() => setEventsOpen(!eventsOpen)} title="Event filters and zones">
                Zones
              </button>
              <button type="button" data-testid="remove-camera" className="danger" onClick={() => scheduleRemoval(bridge, cameraId, status.name)}>
                Remove
              </button>
            </>
          )}
        </div>
      </header>
      <div className="tile-media-box">
        <div className="tile-media-holder" ref={mediaRef} />
        <Overlay cameraId={cameraId} />
        {eventsOpen ? <ZoneLayer cameraId={cameraId} /> : <ZoneOutlines cameraId={cameraId} />}
        {described.busy && <div className="spinner" data-testid="tile-spinner" aria-hidden="true" />}
        {/* In error the last picture is not the camera any more: it is hidden, and the reason shown instead. */}
        {described.state === 'error' && (
          <div className="tile-fault" data-testid="tile-fault" role="status">
            {described.text}
          </div>
        )}
      </div>
      <div className="tile-state" data-testid="camera-state" data-state={described.state} title={described.text}>
        {described.text}
      </div>
      <div className="badges">
        <span
          className="badge"
          data-testid="capture-fps"
          data-value={figures.fps ?? ''}
          title={engineSide ? 'Frames the camera’s ffmpeg decoded per second' : 'Pictures the source delivered to this page per second (last 5 s)'}
        >
          {figures.fps === null ? '–' : fmt(figures.fps, 0)} fps
        </span>
        <span className="badge" data-testid="ips" data-value={figures.ips} title="Inferences per second (last 5 s)">
          {fmt(figures.ips)} inf/s
        </span>
        <span
          className={`badge${figures.stale ? ' stale' : ''}`}
          data-testid="latency"
          data-value={figures.latencyMs}
          data-stale={figures.stale ? 'true' : 'false'}
          title={figures.stale ? STALE_TITLE : 'Frame to result, median (inference alone when unknown)'}
        >
          {fmt(figures.latencyMs, 0)} ms{figures.stale ? ' (stale)' : ''}
        </span>
        <span className="badge" data-testid="skipped" data-value={figures.skipped} title="Frames the engine replaced by a newer one before inference">
          {figures.skipped} skipped
        </span>
        {engineSide && (
          <span className="badge" data-testid="ffmpeg" title={`ffmpeg pid ${status.ffmpegPid ?? '–'}: CPU and memory; reconnects`}>
            ffmpeg {status.ffmpegCpuPercent == null ? '–' : `${fmt(status.ffmpegCpuPercent, 0)} %`} ·{' '}
            {status.ffmpegRssBytes == null ? '–' : `${fmt(status.ffmpegRssBytes / 2 ** 20, 0)} MiB`} · {status.reconnects ?? 0} reconnects
          </span>
        )}
        {engineSide && <LiveViewBadge cameraId={cameraId} />}
        <span className="badge muted" title="Model">
          {status.modelInfo?.name ?? status.model}
        </span>
        <EventCountBadge cameraId={cameraId} />
      </div>
      {eventsOpen && <CameraEventsForm cameraId={cameraId} onClose={() => setEventsOpen(false)} />}
    </section>
  );
}
