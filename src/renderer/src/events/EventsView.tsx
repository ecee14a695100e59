/**
 * The Events view: every stored event newest first, with its crop as a thumbnail, filtered by
 * camera, label, zone and time range, paged as the list scrolls (the next page loads when the end
 * of the list comes into view). Clicking an event opens its snapshot, the box drawn on it; Escape
 * closes it. Delete greys the row where it is (the next row's button does not slide under the
 * pointer) and offers Undo for a few seconds; the engine is asked to delete only when that expires.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { EventQuery, EventRecord } from '../../../shared/contracts/events';
import { useCanChange, useEngine } from '../context';
import { errorMessage } from '../state/engine';
import { store } from '../state/store';
import { findGroup, groupChoice } from '../state/groups';
import type { CameraGroup } from '../../../shared/contracts/config';
import { EventImage } from './EventImage';
import { eventDeleted, eventsStore } from './store';
import { displayLabel } from '../../../shared/labels';

const PAGE = 30;
/** How long a deletion can be undone before it is sent to the engine. */
const UNDO_MS = 5000;

interface Filters {
  /** A camera group's name: its cameras' events. */
  group: string;
  camera: string;
  label: string;
  zone: string;
  after: string;
  before: string;
}

function toQuery(f: Filters, cursor: string | null, groups: CameraGroup[] | undefined): EventQuery {
  const ms = (s: string) => (s ? new Date(s).getTime() : undefined);
  const group = findGroup(groups, f.group);
  return {
    limit: PAGE,
    ...(group ? { cameras: group.cameras } : {}),
    ...(f.camera ? { camera: f.camera } : {}),
    ...(f.label.trim() ? { label: f.label.trim() } : {}),
    ...(f.zone.trim() ? { zone: f.zone.trim() } : {}),
    ...(ms(f.after) !== undefined ? { after: ms(f.after) } : {}),
    ...(ms(f.before) !== undefined ? { before: ms(f.before) } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function EventsView() {
  const { bridge } = useEngine();
  const canChange = useCanChange();
  const cameras = useStore(store, (s) => s.config?.cameras ?? []);
  const revision = useStore(eventsStore, (s) => s.revision);
  const groups = useStore(store, (s) => s.config?.groups);
  // The Events view opens on the group the grid shows.
  const [filters, setFilters] = useState<Filters>(() => ({ group: findGroup(groups, groupChoice.getState().group)?.name ?? '', camera: '', label: '', zone: '', after: '', before: '' }));
  const [events, setEvents] = useState<EventRecord[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<EventRecord | null>(null);
  const [deleting, setDeleting] = useState<EventRecord[]>([]);
  const sentinel = useRef<HTMLDivElement>(null);
  const generation = useRef(0);
  const deleteTimers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const load = useCallback(
    async (cursor: string | null) => {
      const gen = cursor ? generation.current : ++generation.current;
      setLoading(true);
      try {
        const page = await bridge.request({ method: 'listEvents', query: toQuery(filters, cursor, groups) });
        if (gen !== generation.current) return;
        setEvents((old) => (cursor ? [...old, ...page.events.filter((e) => !old.some((o) => o.id === e.id))] : page.events));
        setNext(page.next);
        setError(null);
      } catch (err) {
        if (gen === generation.current) setError(errorMessage(err));
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [bridge, filters, groups],
  );

  // First page on open and on a filter change.
  useEffect(() => {
    void load(null);
  }, [load]);

  // When events change, fetch the first page again and merge it in, keeping the pages scrolled to.
  useEffect(() => {
    if (revision === 0) return;
    const gen = generation.current;
    bridge.request({ method: 'listEvents', query: toQuery(filters, null, groups) }).then(
      (page) => {
        if (gen !== generation.current) return;
        setEvents((old) => {
          const fresh = new Set(page.events.map((e) => e.id));
          const last = page.events[page.events.length - 1];
          const older = old.filter((e) => !fresh.has(e.id) && last && (e.start < last.start || (e.start === last.start && e.id < last.id)));
          if (older.length === 0) setNext(page.next);
          return [...page.events, ...older];
        });
      },
      () => undefined,
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revision]);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || !next) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !loading) void load(next);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [next, loading, load]);

  // Escape closes the open event (before the app's own Escape handling sees the key).
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      setOpen(null);
    };
    document.addEventListener('keydown', onKey, true);
    return () => document.removeEventListener('keydown', onKey, true);
  }, [open]);

  const deleteNow = async (ev: EventRecord): Promise<void> => {
    deleteTimers.current.delete(ev.id);
    try {
      await bridge.request({ method: 'deleteEvent', id: ev.id });
      setEvents((old) => old.filter((e) => e.id !== ev.id));
      eventDeleted();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setDeleting((d) => d.filter((e) => e.id !== ev.id));
    }
  };

  const remove = (ev: EventRecord): void => {
    if (deleteTimers.current.has(ev.id)) return;
    if (open?.id === ev.id) setOpen(null);
    setDeleting((d) => [...d, ev]);
    deleteTimers.current.set(
      ev.id,
      setTimeout(() => void deleteNow(ev), UNDO_MS),
    );
  };

  const undo = (id: string): void => {
    clearTimeout(deleteTimers.current.get(id));
    deleteTimers.current.delete(id);
    setDeleting((d) => d.filter((e) => e.id !== id));
  };

  // Leaving the view does not cancel what the user deleted: what is still waiting is sent now.
  useEffect(
    () => () => {
      for (const [id, timer] of deleteTimers.current) {
        clearTimeout(timer);
        void bridge.request({ method: 'deleteEvent', id }).then(eventDeleted, () => undefined);
      }
      deleteTimers.current.clear();
    },
    [bridge],
  );
  const filtered = Object.values(filters).some((v) => v.trim() !== '');

  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters((f) => ({ ...f, [k]: e.target.value }));

  return (
    <section className="events-view" data-testid="events-view">
      <form className="events-filters" onSubmit={(e) => e.preventDefault()}>
        {groups && groups.length > 0 && (
          <label>
            Group
            <select value={filters.group} onChange={set('group')} data-testid="events-filter-group">
              <option value="">all cameras</option>
              {groups.map((g) => (
                <option key={g.name} value={g.name}>
                  {g.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Camera
          <select value={filters.camera} onChange={set('camera')} data-testid="events-filter-camera">
            <option value="">all</option>
            {cameras.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Label
          <input value={filters.label} onChange={set('label')} placeholder="any" maxLength={64} data-testid="events-filter-label" />
        </label>
        <label>
          Zone
          <input value={filters.zone} onChange={set('zone')} placeholder="any" maxLength={40} data-testid="events-filter-zone" />
        </label>
        <label>
          From
          <input type="datetime-local" value={filters.after} onChange={set('after')} data-testid="events-filter-after" />
        </label>
        <label>
          To
          <input type="datetime-local" value={filters.before} onChange={set('before')} data-testid="events-filter-before" />
        </label>
      </form>
      {error && (
        <p className="events-error" role="alert">
          {error}
        </p>
      )}
      <ol className="events-list" data-testid="events-list">
        {events.map((ev) => {
          const pending = deleting.some((d) => d.id === ev.id);
          return (
          <li
            key={ev.id}
            className={`event-row${pending ? ' deleting' : ''}`}
            data-testid="event-row"
            data-event-id={ev.id}
            data-camera={ev.camera}
            data-label={ev.label}
            data-deleting={pending ? 'true' : 'false'}
            aria-disabled={pending}
          >
            <button type="button" className="event-open" onClick={() => setOpen(ev)} data-testid="event-open" disabled={pending}>
              {ev.snapshot ? <EventImage id={ev.id} kind="crop" className="event-thumb" alt={`${displayLabel(ev.label)} on ${ev.cameraName}`} /> : <span className="event-thumb none">no picture</span>}
              <span className="event-text">
                <strong>{displayLabel(ev.label)}</strong> on {ev.cameraName}
                <span className="event-when">
                  {formatTime(ev.start)} {ev.end === null ? '· live' : `· ${Math.max(0, Math.round((ev.end - ev.start) / 1000))} s`}
                </span>
                <span className="event-meta">
                  score {ev.score.toFixed(2)}
                  {ev.zones.length > 0 && ` · zones ${ev.zones.join(', ')}`}
                </span>
              </span>
            </button>
            {canChange && (
              <button type="button" className="danger event-delete" onClick={() => remove(ev)} title="Delete this event" data-testid="event-delete" disabled={pending}>
                Delete
              </button>
            )}
          </li>
          );
        })}
      </ol>
      <div ref={sentinel} className="events-end" data-testid="events-end">
        {loading ? 'Loading…' : events.length === 0 ? (filtered ? 'No events match these filters.' : 'No events yet.') : next ? '' : 'No more events.'}
      </div>
      {deleting.length > 0 && (
        <div className="undo-toasts" aria-live="polite">
          {deleting.map((ev) => (
            <div key={ev.id} className="toast" data-testid="undo-toast" data-event-id={ev.id}>
              <span className="toast-body">
                Deleted <strong>{displayLabel(ev.label)}</strong> on {ev.cameraName}
              </span>
              <button type="button" onClick={() => undo(ev.id)} data-testid="undo-delete">
                Undo
              </button>
            </div>
          ))}
        </div>
      )}
      {open && (
        <div className="event-modal" role="dialog" aria-label="Event snapshot" data-testid="event-modal" onClick={() => setOpen(null)}>
          <figure onClick={(e) => e.stopPropagation()}>
            {open.snapshot ? <EventImage id={open.id} kind="snapshot" className="event-snapshot" alt={`${displayLabel(open.label)} on ${open.cameraName}`} testId="event-snapshot" /> : <p>No snapshot for this event.</p>}
            <figcaption>
              {displayLabel(open.label)} on {open.cameraName}, {formatTime(open.start)}
              {open.end !== null ? ` to ${formatTime(open.end)}` : ', still live'} · score {open.score.toFixed(2)}
              {open.zones.length > 0 && ` · zones ${open.zones.join(', ')}`}
            </figcaption>
            <button type="button" onClick={() => setOpen(null)} data-testid="event-modal-close">
              Close
            </button>
          </figure>
        </div>
      )}
    </section>
  );
}
