/**
 * A camera's event settings, edited on its tile: events on or off, minimum score and box area,
 * and zones drawn as polygons over the picture (click to add points, then name the zone). The
 * form and the drawing layer share one draft per camera; Save writes it to the camera's config.
 */
import { useEffect, useState, type MouseEvent } from 'react';
import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { DEFAULT_EVENT_FILTERS, EventFilters, type Zone } from '../../../shared/contracts/events';
import { useEngine } from '../context';
import { errorMessage } from '../state/engine';
import { store } from '../state/store';
import { type Point, toPixels, useFrameRect, ZoneShapes } from './zone-shapes';

interface Draft {
  filters: EventFilters;
  drawing: Point[] | null;
}

const drafts = createStore<Map<string, Draft>>(() => new Map());
const setDraft = (id: string, patch: Partial<Draft>) =>
  drafts.setState((m) => {
    const next = new Map(m);
    const old = m.get(id) ?? { filters: DEFAULT_EVENT_FILTERS, drawing: null };
    next.set(id, { ...old, ...patch });
    return next;
  }, true);

function useDraft(cameraId: string): Draft {
  return useStore(drafts, (m) => m.get(cameraId)) ?? { filters: DEFAULT_EVENT_FILTERS, drawing: null };
}

/** Zones over the picture; while drawing, clicks add points. Coordinates are 0..1 of the frame. */
export function ZoneLayer({ cameraId }: { cameraId: string }) {
  const draft = useDraft(cameraId);
  const { setEl, rect } = useFrameRect(cameraId);
  const px = (p: Point) => {
    const q = toPixels(rect, p);
    return `${q.x},${q.y}`;
  };

  const click = (e: MouseEvent<SVGSVGElement>): void => {
    if (!draft.drawing || rect.w === 0) return;
    const box = e.currentTarget.getBoundingClientRect();
    const x = (e.clientX - box.left - rect.x) / rect.w;
    const y = (e.clientY - box.top - rect.y) / rect.h;
    if (x < 0 || y < 0 || x > 1 || y > 1) return;
    setDraft(cameraId, { drawing: [...draft.drawing, { x, y }] });
  };

  return (
    <svg ref={setEl} className={`zone-layer${draft.drawing ? ' drawing' : ''}`} data-testid="zone-layer" onClick={click}>
      <ZoneShapes zones={draft.filters.zones} rect={rect} />
      {draft.drawing && draft.drawing.length > 0 && <polyline points={draft.drawing.map(px).join(' ')} className="zone draft" />}
      {draft.drawing?.map((p, i) => <circle key={i} cx={toPixels(rect, p).x} cy={toPixels(rect, p).y} r={3} className="zone-point" />)}
    </svg>
  );
}

/** The form under the tile's picture. */
export function CameraEventsForm({ cameraId, onClose }: { cameraId: string; onClose: () => void }) {
  const { bridge } = useEngine();
  const saved = useStore(store, (s) => s.config?.cameras.find((c) => c.id === cameraId)?.events);
  const draft = useDraft(cameraId);
  const [zoneName, setZoneName] = useState('');
  const [required, setRequired] = useState(false);
  const [state, setState] = useState<{ saving: boolean; error: string | null }>({ saving: false, error: null });

  useEffect(() => {
    setDraft(cameraId, { filters: saved ?? DEFAULT_EVENT_FILTERS, drawing: null });
    return () => setDraft(cameraId, { drawing: null });
    // The saved filters seed the draft once per opening.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cameraId]);

  const f = draft.filters;
  const update = (patch: Partial<EventFilters>) => setDraft(cameraId, { filters: { ...f, ...patch } });
  const finishZone = (): void => {
    const name = zoneName.trim();
    const points = draft.drawing ?? [];
    if (!name || points.length < 3 || f.zones.some((z) => z.name === name)) return;
    const zone: Zone = { name, required, points: points.map((p) => ({ x: round(p.x), y: round(p.y) })) };
    setDraft(cameraId, { filters: { ...f, zones: [...f.zones, zone] }, drawing: null });
    setZoneName('');
    setRequired(false);
  };
  const save = async (): Promise<void> => {
    const parsed = EventFilters.safeParse(f);
    if (!parsed.success) {
      setState({ saving: false, error: parsed.error.issues[0]?.message ?? 'invalid settings' });
      return;
    }
    setState({ saving: true, error: null });
    try {
      await bridge.request({ method: 'updateCamera', id: cameraId, patch: { events: parsed.data } });
      onClose();
    } catch (err) {
      setState({ saving: false, error: errorMessage(err) });
    }
  };
  const nameOk = zoneName.trim().length > 0 && /^[\w -]+$/.test(zoneName.trim()) && !f.zones.some((z) => z.name === zoneName.trim());

  return (
    <div className="camera-events" data-testid="camera-events">
      <label>
        <input type="checkbox" checked={f.enabled} onChange={(e) => update({ enabled: e.target.checked })} data-testid="events-enabled" /> Events
      </label>
      <label>
        Min score
        <input type="number" min={0} max={1} step={0.05} value={f.minScore} onChange={(e) => update({ minScore: clamp(e.target.valueAsNumber) })} data-testid="events-min-score" />
      </label>
      <label>
        Min area %
        <input type="number" min={0} max={100} step={0.5} value={round(f.minArea * 100)} onChange={(e) => update({ minArea: clamp(e.target.valueAsNumber / 100) })} data-testid="events-min-area" />
      </label>
      <ul className="zone-list">
        {f.zones.map((z) => (
          <li key={z.name} data-testid="zone-item">
            {z.name}
            <label>
              <input type="checkbox" checked={z.required} onChange={(e) => update({ zones: f.zones.map((o) => (o === z ? { ...z, required: e.target.checked } : o)) })} /> required
            </label>
            <button type="button" className="danger" onClick={() => update({ zones: f.zones.filter((o) => o !== z) })}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      {draft.drawing === null ? (
        <button type="button" onClick={() => setDraft(cameraId, { drawing: [] })} data-testid="zone-draw" disabled={f.zones.length >= 16}>
          Draw a zone
        </button>
      ) : (
        <div className="zone-new">
          <span>{draft.drawing.length < 3 ? `Click the picture: ${draft.drawing.length} of at least 3 points` : `${draft.drawing.length} points`}</span>
          <input value={zoneName} onChange={(e) => setZoneName(e.target.value)} placeholder="zone name" maxLength={40} data-testid="zone-name" />
          <label>
            <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} data-testid="zone-required" /> required
          </label>
          <button type="button" disabled={!nameOk || draft.drawing.length < 3} onClick={finishZone} data-testid="zone-finish">
            Add zone
          </button>
          <button type="button" onClick={() => setDraft(cameraId, { drawing: null })}>
            Cancel
          </button>
        </div>
      )}
      <div className="camera-events-actions">
        <button type="button" className="primary" disabled={state.saving} onClick={() => void save()} data-testid="events-save">
          Save
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
        {state.error && <span className="error">{state.error}</span>}
      </div>
    </div>
  );
}

const round = (v: number) => Math.round(v * 1000) / 1000;
const clamp = (v: number) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0);
