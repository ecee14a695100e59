/** Engine settings: threads per interpreter ('auto' applies the thread budget) and delegate. */
import { useEffect, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import type { DelegateName, EngineSettings } from '../../../shared/contracts/config';
import { useEngine } from '../context';
import { errorMessage } from '../state/engine';
import { store } from '../state/store';

export function SettingsPanel({ onClose }: { onClose: () => void }) {
  const { bridge } = useEngine();
  const settings = useStore(store, (s) => s.settings);
  const cores = useStore(store, (s) => s.snapshot?.cores ?? 4);
  const cameraCount = useStore(store, (s) => s.cameras.length);
  const calibration = useStore(store, (s) => s.snapshot?.calibration);
  const [confirmed, setConfirmed] = useState(false);
  const [threads, setThreads] = useState('auto');
  const [delegate, setDelegate] = useState<DelegateName>('xnnpack');
  const [maxInFlight, setMaxInFlight] = useState('1');
  const [state, setState] = useState<{ saving: boolean; error: string | null; saved: boolean }>({ saving: false, error: null, saved: false });

  // Follow the engine's values when they change, not every snapshot: a snapshot a second carries a
  // new settings object, and taking it each time would undo what the user is choosing.
  const engineThreads = settings ? String(settings.threadsPerInterpreter) : null;
  const engineDelegate = settings?.delegate ?? null;
  const engineInFlight = settings ? String(settings.maxInFlight) : null;
  useEffect(() => {
    if (engineThreads !== null) setThreads(engineThreads);
  }, [engineThreads]);
  useEffect(() => {
    if (engineDelegate !== null) setDelegate(engineDelegate);
  }, [engineDelegate]);
  useEffect(() => {
    if (engineInFlight !== null) setMaxInFlight(engineInFlight);
  }, [engineInFlight]);

  const plan = threadPlan(threads, cameraCount, cores);

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (plan.oversubscribed && !confirmed) return;
    setState({ saving: true, error: null, saved: false });
    const patch: Partial<EngineSettings> = {
      threadsPerInterpreter: threads === 'auto' ? 'auto' : Number(threads),
      delegate,
      maxInFlight: Number(maxInFlight),
    };
    try {
      await bridge.request({ method: 'setSettings', settings: patch });
      setState({ saving: false, error: null, saved: true });
    } catch (err) {
      setState({ saving: false, error: errorMessage(err), saved: false });
    }
  };

  return (
    <form className="settings" data-testid="settings" onSubmit={(e) => void save(e)}>
      <h2>Settings</h2>
      <label>
        Threads per interpreter
        <select
          data-testid="threads-select"
          value={threads}
          onChange={(e) => {
            setThreads(e.target.value);
            setConfirmed(false);
            setState((st) => ({ ...st, saved: false }));
          }}
        >
          <option value="auto">auto (share {cores} cores)</option>
          {Array.from({ length: Math.max(cores, 8) }, (_, i) => i + 1).map((n) => (
            <option key={n} value={String(n)}>
              {n}
              {n > 1 && n * Math.max(cameraCount, 1) > cores ? ' (more threads than cores)' : ''}
            </option>
          ))}
        </select>
      </label>
      <p className={plan.oversubscribed ? 'form-error' : 'hint'} data-testid="threads-plan" data-oversubscribed={plan.oversubscribed ? 'true' : 'false'}>
        {plan.text}
      </p>
      {calibration && calibration.length > 0 && (
        <p className="hint" data-testid="calibration">
          Measured here: {calibration.map((p) => `${p.threads} thread${p.threads === 1 ? '' : 's'} ${Math.round(p.ips)} inf/s`).join(', ')} (one
          interpreter alone).
        </p>
      )}
      {plan.oversubscribed && (
        <label className="confirm">
          <input type="checkbox" data-testid="threads-confirm" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
          Save anyway: I accept that detection may slow to a crawl
        </label>
      )}
      <label>
        Delegate
        <select data-testid="delegate-select" value={delegate} onChange={(e) => setDelegate(e.target.value as DelegateName)}>
          <option value="xnnpack">XNNPACK</option>
          <option value="none">none (built-in kernels)</option>
        </select>
      </label>
      <label>
        Frames in flight per camera
        <select value={maxInFlight} onChange={(e) => setMaxInFlight(e.target.value)}>
          {[1, 2, 3, 4].map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </select>
      </label>
      {state.error && (
        <p className="form-error" role="alert">
          {state.error}
        </p>
      )}
      {state.saved && <p className="hint">Saved. Interpreters restart with the new settings.</p>}
      <div className="modal-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
        <button type="submit" className="primary" disabled={state.saving || (plan.oversubscribed && !confirmed)}>
          {state.saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

/**
 * What a threads choice means on this machine. XNNPACK's thread pools spin, so interpreters x
 * threads above the cores makes every camera wait for the others (measured: 4 x 4 on 2 cores fell
 * to 2.4 inferences/s in all). One thread each is never oversubscribed in that way.
 */
export function threadPlan(threads: string, cameras: number, cores: number): { text: string; oversubscribed: boolean } {
  const n = Math.max(cameras, 1);
  const camerasText = `${n} camera${n === 1 ? '' : 's'}`;
  if (threads === 'auto') {
    return {
      text: `auto: ${camerasText} share ${cores} cores; each interpreter gets 1 thread when cameras ≥ cores, more only where the calibration shows they help.`,
      oversubscribed: false,
    };
  }
  const t = Number(threads);
  const total = n * t;
  if (t > 1 && total > cores) {
    return {
      text: `${camerasText} × ${t} threads = ${total} threads on ${cores} cores. Their thread pools would fight for the cores and detection can all but stop. Choose auto, or at most ${Math.max(1, Math.floor(cores / n))}.`,
      oversubscribed: true,
    };
  }
  return { text: `${camerasText} × ${t} thread${t === 1 ? '' : 's'} = ${total} on ${cores} cores.`, oversubscribed: false };
}
