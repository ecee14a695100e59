/**
 * The renderer's events slice, its own small store: new events as toasts, a count per camera for
 * the tiles, a revision the Events view watches to reload, the storage/MQTT status, and the
 * opt-in desktop notification choices (kept in localStorage: they belong to this screen).
 */
import { createStore } from 'zustand/vanilla';
import type { EngineBridge } from '../../../shared/contracts/engine-api';
import type { EventChange, EventRecord, EventsStatus } from '../../../shared/contracts/events';
import { WebBridge } from '../bridge/web';
import { displayLabel, labelKey } from '../../../shared/labels';

export interface Toast {
  key: number;
  event: EventRecord;
  at: number;
}

export interface NotifyChoice {
  enabled: boolean;
  /** Empty: every camera / label. */
  cameras: string[];
  labels: string[];
}

export interface EventsState {
  toasts: Toast[];
  /** Events that started per camera since this page opened, and those still live. */
  counts: Map<string, { total: number; live: number }>;
  /** Bumped when a camera's number of stored events may have changed: the tiles ask the engine again. */
  countsRevision: number;
  /** Bumped on every change: the Events view reloads its first page. */
  revision: number;
  status: EventsStatus | null;
  notify: NotifyChoice;
}

const NOTIFY_KEY = 'multicam.notify';
const TOAST_MS = 6000;
const MAX_TOASTS = 4;

function loadNotify(): NotifyChoice {
  try {
    const raw = JSON.parse(globalThis.localStorage?.getItem(NOTIFY_KEY) ?? 'null') as Partial<NotifyChoice> | null;
    if (raw && typeof raw.enabled === 'boolean') return { enabled: raw.enabled, cameras: raw.cameras ?? [], labels: raw.labels ?? [] };
  } catch {
    // a corrupt value: start with notifications off
  }
  return { enabled: false, cameras: [], labels: [] };
}

export const eventsStore = createStore<EventsState>(() => ({
  toasts: [],
  counts: new Map(),
  countsRevision: 0,
  revision: 0,
  status: null,
  notify: loadNotify(),
}));

let nextToast = 1;

export function applyChange(change: EventChange): void {
  const { event } = change;
  eventsStore.setState((s) => {
    const counts = new Map(s.counts);
    const c = counts.get(event.camera) ?? { total: 0, live: 0 };
    if (change.type === 'new') counts.set(event.camera, { total: c.total + 1, live: c.live + 1 });
    if (change.type === 'end') counts.set(event.camera, { total: c.total, live: Math.max(0, c.live - 1) });
    const toasts = change.type === 'new' ? [...s.toasts, { key: nextToast++, event, at: Date.now() }].slice(-MAX_TOASTS) : s.toasts;
    return { counts, toasts, revision: s.revision + 1, countsRevision: s.countsRevision + (change.type === 'new' ? 1 : 0) };
  });
  if (change.type === 'new') {
    maybeNotify(event);
    const key = nextToast - 1;
    setTimeout(() => dismissToast(key), TOAST_MS);
  }
}

/** An event was deleted from this page: the stored counts are asked again. */
export function eventDeleted(): void {
  eventsStore.setState((s) => ({ countsRevision: s.countsRevision + 1 }));
}

export function dismissToast(key: number): void {
  eventsStore.setState((s) => ({ toasts: s.toasts.filter((t) => t.key !== key) }));
}

export function setNotify(choice: NotifyChoice): void {
  eventsStore.setState({ notify: choice });
  try {
    globalThis.localStorage?.setItem(NOTIFY_KEY, JSON.stringify(choice));
  } catch {
    // storage full or off: the choice lasts for this page
  }
}

/** A system notification, when the user opted in for this camera and label. */
function maybeNotify(event: EventRecord): void {
  const { notify } = eventsStore.getState();
  if (!notify.enabled || typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (notify.cameras.length > 0 && !notify.cameras.includes(event.camera)) return;
  if (notify.labels.length > 0 && !notify.labels.map(labelKey).includes(event.label)) return;
  new Notification(`${displayLabel(event.label)} on ${event.cameraName}`, { body: `score ${event.score.toFixed(2)}`, tag: event.id });
}

/**
 * Feeds the store from the engine's pushes; returns the unsubscribe. The status is asked again
 * whenever serve mode's connection (re)opens: a restarted server pushes its status before the page
 * is back, and what the old one said last ("not stored", MQTT closed) is stale.
 */
export function connectEvents(bridge: EngineBridge): () => void {
  const ask = (): void => {
    void bridge.request({ method: 'getEventsStatus' }).then(
      (status) => eventsStore.setState({ status }),
      () => undefined,
    );
  };
  let offOpen = (): void => undefined;
  if (bridge instanceof WebBridge) {
    offOpen = bridge.onConnection((state) => {
      if (state === 'open') ask();
    });
  } else ask();
  const offEvent = bridge.onEvent((e) => {
    if (e.type === 'event') applyChange(e.change);
    else if (e.type === 'events-status') eventsStore.setState({ status: e.status });
  });
  return () => {
    offOpen();
    offEvent();
  };
}

/**
 * Where the page can load an event's picture: a blob URL of its bytes (serve mode fetches them
 * with the token in a header, which an <img> could not send).
 */
export async function eventImageUrl(bridge: EngineBridge, id: string, kind: 'snapshot' | 'crop'): Promise<string> {
  const bytes = await bridge.request({ method: 'getEventImage', id, kind });
  return URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'image/jpeg' }));
}
