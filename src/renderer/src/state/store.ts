/**
 * The renderer's one vanilla store. Bridge and capture code write to it from outside React;
 * components read it with useStore(store, selector). Slices: connection, engine snapshot (cameras,
 * settings), config, models, per-camera latest results (high frequency: read by the overlay through
 * store.subscribe, never selected in a React render), per-camera capture status, notices, and the
 * stats history behind the charts. Maps and arrays are replaced, never mutated.
 */
import { createStore } from 'zustand/vanilla';
import type { Notice } from '../../../shared/contracts/engine-api';
import type { AppConfig, EngineSettings } from '../../../shared/contracts/config';
import type { CameraStatus, EngineSnapshot, ModelListEntry } from '../../../shared/contracts/engine-api';
import type { ResultMessage } from '../../../shared/contracts/frames';

export const HISTORY_SECONDS = 60;

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** What the page's own capture of a camera is doing, apart from the engine's view of it. */
export type CaptureState =
  | 'idle'
  | 'not-assigned'
  | 'opening'
  | 'live'
  | 'disconnected'
  | 'permission-denied'
  | 'source-missing'
  | 'error';

export interface CaptureStatus {
  state: CaptureState;
  message?: string;
  /** Pictures the source delivered per second, over the last 5 s (the capture worker counts). */
  fps: number;
  /** Frames this page sent to the engine per second, over the last 5 s. */
  sentFps: number;
  sent: number;
  /** Pictures replaced by a newer one while waiting for a credit: never built, never sent. */
  replaced: number;
  /** Longest time the capture worker took to build one frame in the last second, ms. */
  buildMsMax: number;
}

const EMPTY_CAPTURE: CaptureStatus = { state: 'idle', fps: 0, sentFps: 0, sent: 0, replaced: 0, buildMsMax: 0 };

export interface LatestResult {
  result: ResultMessage;
  receivedAt: number;
}

/** One series for the charts: seconds since epoch and inferences a second, oldest first. */
export interface Series {
  t: number[];
  ips: number[];
}

export interface UiNotice extends Notice {
  id: number;
  at: number;
}

export interface AppState {
  connection: ConnectionState;
  /** Failed connection attempts in a row (serve mode). */
  connectionFailures: number;
  snapshot: EngineSnapshot | null;
  cameras: CameraStatus[];
  settings: EngineSettings | null;
  config: AppConfig | null;
  models: ModelListEntry[];
  /** Cameras this page captures; null means every camera this page can capture (desktop app). */
  assignment: string[] | null;
  results: Map<string, LatestResult>;
  capture: Map<string, CaptureStatus>;
  history: Map<string, Series>;
  totalHistory: Series;
  notices: UiNotice[];
  /** Cameras the user removed whose removal can still be undone: hidden and not captured. */
  removing: ReadonlySet<string>;
}

export const initialState = (): AppState => ({
  connection: 'connecting',
  connectionFailures: 0,
  snapshot: null,
  cameras: [],
  settings: null,
  config: null,
  models: [],
  assignment: null,
  results: new Map(),
  capture: new Map(),
  history: new Map(),
  totalHistory: { t: [], ips: [] },
  notices: [],
  removing: new Set(),
});

export const store = createStore<AppState>()(() => initialState());
export type AppStore = typeof store;

// ------------------------------------------------------------------ writers

let noticeId = 1;

export function pushNotice(notice: Notice): void {
  const entry: UiNotice = { ...notice, id: noticeId++, at: Date.now() };
  // Keep the banner short: the newest few, duplicates folded.
  const others = store.getState().notices.filter((n) => n.message !== notice.message);
  store.setState({ notices: [...others, entry].slice(-5) });
}

export function dismissNotice(id: number): void {
  store.setState({ notices: store.getState().notices.filter((n) => n.id !== id) });
}

function trimSeries(series: Series, now: number): Series {
  let start = 0;
  while (start < series.t.length && series.t[start] < now - HISTORY_SECONDS) start++;
  return start === 0 ? series : { t: series.t.slice(start), ips: series.ips.slice(start) };
}

function appendPoint(series: Series | undefined, t: number, ips: number): Series {
  const base = series ?? { t: [], ips: [] };
  // Snapshots can come faster than once a second (state changes): one point a second is enough.
  if (base.t.length > 0 && t - base.t[base.t.length - 1] < 0.9) return base;
  return trimSeries({ t: [...base.t, t], ips: [...base.ips, ips] }, t);
}

export function applySnapshot(snapshot: EngineSnapshot): void {
  const state = store.getState();
  const t = snapshot.at / 1000;
  const history = new Map<string, Series>();
  let total = 0;
  for (const camera of snapshot.cameras) {
    const ips = camera.state === 'running' ? camera.ips1s : 0;
    total += ips;
    history.set(camera.id, appendPoint(state.history.get(camera.id), t, ips));
  }
  // Results and capture status of removed cameras go with them.
  const ids = new Set(snapshot.cameras.map((c) => c.id));
  const results = [...state.results.keys()].some((id) => !ids.has(id))
    ? new Map([...state.results].filter(([id]) => ids.has(id)))
    : state.results;
  store.setState({
    snapshot,
    cameras: snapshot.cameras,
    settings: snapshot.settings,
    history,
    results,
    totalHistory: appendPoint(state.totalHistory, t, total),
  });
}

export function applyResults(batch: Map<string, LatestResult>): void {
  if (batch.size === 0) return;
  const results = new Map(store.getState().results);
  for (const [id, latest] of batch) results.set(id, latest);
  store.setState({ results });
}

export function setCaptureStatus(cameraId: string, patch: Partial<CaptureStatus>): void {
  const current = store.getState().capture.get(cameraId) ?? EMPTY_CAPTURE;
  const next = { ...current, ...patch };
  if ((Object.keys(next) as Array<keyof CaptureStatus>).every((key) => next[key] === current[key])) return;
  const capture = new Map(store.getState().capture);
  capture.set(cameraId, next);
  store.setState({ capture });
}

export function removeCaptureStatus(cameraId: string): void {
  if (!store.getState().capture.has(cameraId)) return;
  const capture = new Map(store.getState().capture);
  capture.delete(cameraId);
  store.setState({ capture });
}

export function setRemoving(cameraId: string, removing: boolean): void {
  const current = store.getState().removing;
  if (current.has(cameraId) === removing) return;
  const next = new Set(current);
  if (removing) next.add(cameraId);
  else next.delete(cameraId);
  store.setState({ removing: next });
}

/** Camera ids in the order the configuration keeps them (the user's order), then any others. */
export function orderedIds(state: Pick<AppState, 'cameras' | 'config'>): string[] {
  const ids = state.cameras.map((c) => c.id);
  const order = state.config?.cameras.map((c) => c.id).filter((id): id is string => !!id) ?? [];
  const rank = new Map(order.map((id, i) => [id, i]));
  return [...ids].sort((a, b) => (rank.get(a) ?? order.length) - (rank.get(b) ?? order.length));
}
