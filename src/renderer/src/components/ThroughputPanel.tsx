/** Per interpreter: live inferences/s, latency, skipped, threads, pid, restarts, state, CPU, memory; and the total against capacity. */
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { fmt, fmtBytes } from '../format';
import { orderedIds, store } from '../state/store';
import { describeCamera } from './describe';
import { cameraFigures, STALE_TITLE } from './figures';
import { IpsChart } from './IpsChart';

function InterpreterRow({ cameraId }: { cameraId: string }) {
  const c = useStore(store, (s) => s.cameras.find((x) => x.id === cameraId));
  const capture = useStore(store, (s) => s.capture.get(cameraId));
  const connection = useStore(store, (s) => s.connection);
  const hasResult = useStore(store, (s) => s.results.has(cameraId));
  if (!c) return null;
  // The same state and the same numbers as the camera's tile.
  const described = describeCamera(c, capture, connection, hasResult);
  const f = cameraFigures(c, capture);
  const stale = f.stale ? { className: 'stale', title: STALE_TITLE, 'data-stale': 'true' } : { 'data-stale': 'false' };
  return (
    <div className="panel-row" data-testid="panel-row" data-camera-id={cameraId} data-pid={c.pid ?? ''} data-state={described.state}>
      <div className="panel-row-head">
        <strong>{c.name}</strong>
        <span className={`state-pill state-${described.state}`} data-testid="panel-state" data-state={described.state}>
          {described.state}
        </span>
      </div>
      <IpsChart cameraId={cameraId} />
      <dl className="panel-stats">
        <div>
          <dt>inf/s (5 s)</dt>
          <dd data-testid="panel-ips" data-value={f.ips}>
            {fmt(f.ips)}
          </dd>
        </div>
        <div>
          <dt>infer p50/p95</dt>
          <dd data-testid="panel-infer" {...stale}>
            {fmt(f.inferP50Ms)} / {fmt(f.inferP95Ms)} ms
          </dd>
        </div>
        <div>
          <dt>end-to-end p50/p95</dt>
          <dd data-testid="panel-latency" data-value={f.latencyMs} {...stale}>
            {fmt(f.endToEndP50Ms, 0)} / {fmt(f.endToEndP95Ms, 0)} ms
          </dd>
        </div>
        <div>
          <dt>skipped</dt>
          <dd data-testid="panel-skipped" data-value={f.skipped}>
            {f.skipped}
          </dd>
        </div>
        <div>
          <dt>threads</dt>
          <dd>
            {c.threads} <small>{c.delegate}</small>
          </dd>
        </div>
        <div>
          <dt>pid</dt>
          <dd data-testid="panel-pid">{c.pid ?? '–'}</dd>
        </div>
        <div>
          <dt>restarts</dt>
          <dd data-testid="panel-restarts">{c.restarts}</dd>
        </div>
        <div>
          <dt>CPU</dt>
          <dd>{fmt(c.cpuPercent, 0)} %</dd>
        </div>
        <div>
          <dt>memory</dt>
          <dd>{fmtBytes(c.rssBytes)}</dd>
        </div>
      </dl>
      {described.state !== 'running' && described.state !== 'waiting' && (
        <p className="panel-error" data-testid="panel-reason">
          {described.text}
        </p>
      )}
    </div>
  );
}

function Totals() {
  const { total, capacity, source, cores, count } = useStore(
    store,
    useShallow((s) => ({
      total: s.cameras.reduce((sum, c) => sum + (c.state === 'running' && !s.removing.has(c.id) ? c.ips5s : 0), 0),
      capacity: s.snapshot?.capacityIps ?? null,
      source: s.snapshot?.capacitySource ?? 'none',
      cores: s.snapshot?.cores ?? 0,
      count: s.cameras.filter((c) => !s.removing.has(c.id)).length,
    })),
  );
  return (
    <div className="panel-total" data-testid="panel-total">
      <div className="panel-row-head">
        <strong>All interpreters</strong>
        <span data-testid="total-ips">
          {fmt(total)} inf/s across {count} {count === 1 ? 'camera' : 'cameras'}
        </span>
      </div>
      <IpsChart cameraId={null} height={90} color="#4ade80" />
      <p className="capacity" data-testid="capacity">
        {capacity === null ? (
          <>capacity unknown (run npm run bench)</>
        ) : (
          <>
            capacity {fmt(capacity, 0)} inf/s on {cores} cores ({source}); using {fmt((100 * total) / Math.max(capacity, 1e-9), 0)} %
          </>
        )}
      </p>
    </div>
  );
}

export function ThroughputPanel() {
  const ids = useStore(store, useShallow((s) => orderedIds(s).filter((id) => !s.removing.has(id))));
  return (
    <aside className="panel" data-testid="throughput-panel">
      <h2>Throughput</h2>
      <Totals />
      {ids.map((id) => (
        <InterpreterRow key={id} cameraId={id} />
      ))}
    </aside>
  );
}
