/**
 * Settings for cameras the engine opens itself: which ffmpeg runs them (origin and version, as the
 * engine resolved it), the ffmpegPath override, the live-view rate and the no-frame timeout.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import type { EngineSettings } from '../../../shared/contracts/config';
import { useEngine } from '../context';
import { errorMessage } from '../state/engine';
import { store } from '../state/store';

const ORIGIN: Record<string, string> = { setting: 'the ffmpegPath setting', path: 'the PATH', npm: 'the npm package @ffmpeg-installer/ffmpeg', none: 'not found' };

export function FfmpegSettings() {
  const { bridge } = useEngine();
  const ffmpeg = useStore(store, (s) => s.snapshot?.ffmpeg);
  const settings = useStore(store, (s) => s.settings);
  const [path, setPath] = useState('');
  const [previewFps, setPreviewFps] = useState('10');
  const [timeoutS, setTimeoutS] = useState('20');
  const [status, setStatus] = useState<string | null>(null);

  const enginePath = settings?.ffmpegPath ?? '';
  const enginePreview = String(settings?.previewFps ?? 10);
  const engineTimeout = String((settings?.sourceTimeoutMs ?? 20_000) / 1000);
  useEffect(() => setPath(enginePath), [enginePath]);
  useEffect(() => setPreviewFps(enginePreview), [enginePreview]);
  useEffect(() => setTimeoutS(engineTimeout), [engineTimeout]);

  const save = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const fps = Number(previewFps);
    const seconds = Number(timeoutS);
    if (!(fps > 0 && fps <= 60) || !(seconds >= 1 && seconds <= 600)) {
      setStatus('Preview fps is 1 to 60; the no-frame timeout 1 to 600 s.');
      return;
    }
    const patch: Partial<EngineSettings> = { ffmpegPath: path.trim(), previewFps: fps, sourceTimeoutMs: Math.round(seconds * 1000) };
    try {
      await bridge.request({ method: 'setSettings', settings: patch });
      setStatus('Saved. Engine-side cameras restart their ffmpeg.');
    } catch (err) {
      setStatus(errorMessage(err));
    }
  };

  return (
    <form className="settings" data-testid="ffmpeg-settings" onSubmit={(e) => void save(e)}>
      <h3>Cameras the engine opens (ffmpeg)</h3>
      <p className="hint" data-testid="ffmpeg-info">
        {ffmpeg?.path ? `ffmpeg ${ffmpeg.version} from ${ORIGIN[ffmpeg.origin]} (${ffmpeg.path})` : `no ffmpeg: ${ffmpeg?.error ?? 'not resolved yet'}`}
      </p>
      <label>
        ffmpeg path (empty: the PATH, else the npm package)
        <input data-testid="ffmpeg-path-input" value={path} spellCheck={false} onChange={(e) => setPath(e.target.value)} />
      </label>
      <label>
        Live view frames a second
        <input type="number" min={1} max={60} value={previewFps} onChange={(e) => setPreviewFps(e.target.value)} />
      </label>
      <label>
        Restart ffmpeg after this many seconds without a frame
        <input type="number" min={1} max={600} value={timeoutS} onChange={(e) => setTimeoutS(e.target.value)} />
      </label>
      {status && <p className="hint">{status}</p>}
      <div className="modal-actions">
        <button type="submit">Save ffmpeg settings</button>
      </div>
    </form>
  );
}
