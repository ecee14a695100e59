/**
 * Per interpreter: live inferences/s, latency, skipped, threads, pid, restarts, state, CPU, memory,
 * and how many more cameras like it fit; in all, the cores the cameras need (each at its own model's
 * measured cost) against what the machine gives them, and the models being measured meanwhile.
 */
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
      <MoreLikeThis cameraId={cameraId} />
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

/** Per camera: how many more cameras like it (same model, same rate) this machine can still run. */
function MoreLikeThis({ cameraId }: { cameraId: string }) {
  const share = useStore(store, useShallow((s) => s.snapshot?.capacityLine?.cameras[cameraId]));
  const measuring = useStore(store, (s) => s.snapshot?.capacityLine?.unmeasured.includes(cameraId) ?? false);
  if (share) {
    return (
      <p className="capacity" data-testid="panel-more" data-value={share.more} title={`Its model needs ${fmt(share.cores, 2)} of a core at its frame rate, measured on this machine`}>
        {fmt(share.cores, 2)} of a core; {share.more === 0 ? 'no more cameras like this one fit' : `about ${share.more} more ${share.more === 1 ? 'camera' : 'cameras'} like this one`}
      </p>
    );
  }
  return measuring ? (
    <p className="capacity" data-testid="panel-more" data-value="">
      cost not measured yet
    </p>
  ) : null;
}

/** The models being measured in the background, with progress. */
function Calibrating() {
  const calibrating = useStore(store, useShallow((s) => s.snapshot?.capacityLine?.calibrating ?? []));
  if (calibrating.length === 0) return null;
  return (
    <ul className="calibrating" data-testid="calibrating">
      {calibrating.map((c, i) => (
        <li key={`${c.model}-${i}`} data-model={c.model}>
          measuring the {c.model} model on this machine <progress max={1} value={c.progress} aria-label={`Measuring ${c.model}`} />
        </li>
      ))}
    </ul>
  );
}

function Totals() {
  const { total, line, cores, count } = useStore(
    store,
    useShallow((s) => ({
      total: s.cameras.reduce((sum, c) => sum + (c.state === 'running' && !s.removing.has(c.id) ? c.ips5s : 0), 0),
      line: s.snapshot?.capacityLine,
      cores: s.snapshot?.cores ?? 0,
      count: s.cameras.filter((c) => !s.removing.has(c.id)).length,
    })),
  );
  const unmeasured = line?.unmeasured.length ?? 0;
  return (
    <div className="panel-total" data-testid="panel-total">
      <div className="panel-row-head">
        <strong>All interpreters</strong>
        <span data-testid="total-ips">
          {fmt(total)} inf/s across {count} {count === 1 ? 'camera' : 'cameras'}
        </span>
      </div>
      <IpsChart cameraId={null} height={90} color="#4ade80" />
      <p className="capacity" data-testid="capacity" data-needed={line?.neededCores ?? ''} data-budget={line?.budgetCores ?? ''}>
        {!line || count === 0 ? (
          <>{cores} cores</>
        ) : (
          <>
            cameras need {fmt(line.neededCores, 2)} of the {fmt(line.budgetCores, 1)} cores they may use ({fmt((100 * line.neededCores) / Math.max(line.budgetCores, 1e-9), 0)} %)
            {unmeasured > 0 && <>; {unmeasured} {unmeasured === 1 ? 'camera' : 'cameras'} not measured yet</>}
          </>
        )}
      </p>
      <Calibrating />
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
