/**
 * Add a camera (source: webcam by label, looping video file, or still image captured by the page;
 * or a stream URL, video file or device the engine opens itself with ffmpeg; model, score
 * threshold, max fps), or edit one (everything but the source kind). The engine persists the
 * configuration, so a reload shows the same cameras.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import type { CameraConfig, CameraSource } from '../../../shared/contracts/config';
import type { EngineBridge } from '../../../shared/contracts/engine-api';
import { listVideoInputs, PermissionDeniedError, toCaptureError } from '../capture/devices';
import { videoUrlFor } from '../capture/video-formats';
import { useEngine } from '../context';
import { errorMessage } from '../state/engine';
import { store } from '../state/store';
import { ModelPicker } from './ModelPicker';
import { ENGINE_KIND_LABELS, EngineSourceFields, engineSourceFrom, initialEngineValues, type EngineKind } from './EngineSourceFields';

type SourceKind = 'webcam' | 'video' | 'image' | EngineKind;
const PAGE_KINDS = ['webcam', 'video', 'image'] as const;
const isEngineKind = (k: SourceKind): k is EngineKind => k === 'stream' || k === 'file' || k === 'device';

/** Images travel in the config as data URLs: shrink them so they stay well under the limit. */
const MAX_IMAGE_SIDE = 1024;
const MAX_IMAGE_URL = 7_500_000;

/**
 * A picked video is kept in the engine's media folder, so the camera still plays it after a reload
 * or in another window. If the engine will not keep it (a type it does not know), the page plays
 * it from memory until the next reload, and the tile says so then.
 */
async function keptVideo(bridge: EngineBridge, file: File): Promise<string> {
  try {
    return (await bridge.keepMedia(file, file.type || videoTypeFromName(file.name))).ref;
  } catch (err) {
    console.warn(`the video is not kept: ${(err as Error).message}`);
    return videoUrlFor(file);
  }
}

function videoTypeFromName(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = { mp4: 'video/mp4', m4v: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime', mkv: 'video/x-matroska', mjpeg: 'video/x-motion-jpeg', mjpg: 'video/x-motion-jpeg' };
  return types[ext] ?? 'application/octet-stream';
}

async function imageToDataUrl(file: File): Promise<string> {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_IMAGE_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas available to read the image');
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const url = canvas.toDataURL('image/jpeg', 0.85);
  if (url.length > MAX_IMAGE_URL) throw new Error('the image is too large even after shrinking');
  return url;
}

export function CameraDialog({ editId, onClose }: { editId: string | null; onClose: () => void }) {
  const { bridge } = useEngine();
  const models = useStore(store, (s) => s.models);
  const editing = useStore(store, (s) => (editId ? s.cameras.find((c) => c.id === editId) : undefined));
  // The source itself is in the config: the snapshot names only its kind and label.
  const editingSource = useStore(store, (s) => (editId ? s.config?.cameras.find((c) => c.id === editId)?.source : undefined));
  const cameraCount = useStore(store, (s) => s.cameras.length);

  const [name, setName] = useState(editing?.name ?? `Camera ${cameraCount + 1}`);
  const [kind, setKind] = useState<SourceKind>(
    editing && editing.source.kind !== 'external' ? editing.source.kind : 'webcam',
  );
  const [devices, setDevices] = useState<MediaDeviceInfo[] | null>(null);
  const [deviceError, setDeviceError] = useState<string | null>(null);
  const [deviceId, setDeviceId] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [model, setModel] = useState(editing?.model ?? '');
  const [labels, setLabels] = useState<string[] | undefined>(editing?.labels);
  const [threshold, setThreshold] = useState(String(editing?.scoreThreshold ?? 0.5));
  const [maxFps, setMaxFps] = useState(editing?.maxFps ? String(editing.maxFps) : '');
  const [engineValues, setEngineValues] = useState(() => initialEngineValues(editingSource));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const fieldErrors = validateFields({ name, threshold, maxFps });
  const [showFieldErrors, setShowFieldErrors] = useState(false);

  // The first model is preselected once; after that an empty choice is the user's (a path to type).
  const [defaulted, setDefaulted] = useState(false);
  useEffect(() => {
    if (defaulted || models.length === 0) return;
    setDefaulted(true);
    if (!model) setModel(models[0].name);
  }, [models, model, defaulted]);

  // A new camera starts on "Camera" only when this machine has one: the first look, before anything
  // is shown as an error, moves to a stream URL when there is none (a refused permission stays, it says why).
  const [firstLook, setFirstLook] = useState(!editing);
  const loadDevices = async (): Promise<void> => {
    setDeviceError(null);
    const first = firstLook;
    setFirstLook(false);
    try {
      const list = await listVideoInputs();
      setDevices(list);
      if (list.length === 0 && first) setKind('stream');
      else if (list.length === 0) setDeviceError('No camera found. Plug one in, or pick a video file or an image.');
      else setDeviceId((current) => (list.some((d) => d.deviceId === current) ? current : list[0].deviceId));
    } catch (err) {
      const e = toCaptureError(err);
      setDevices([]);
      if (first && !(e instanceof PermissionDeniedError)) setKind('stream');
      else setDeviceError(e instanceof PermissionDeniedError ? e.message : `Could not list cameras: ${e.message}`);
    }
  };

  useEffect(() => {
    if (kind === 'webcam' && !editing) void loadDevices();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind]);

  useEffect(() => {
    if (kind !== 'webcam' || !navigator.mediaDevices) return;
    const onChange = (): void => void loadDevices();
    navigator.mediaDevices.addEventListener('devicechange', onChange);
    return () => navigator.mediaDevices.removeEventListener('devicechange', onChange);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind]);

  /** Admission control refused the camera (this machine cannot run it): the user may add it anyway. */
  const refusedForLoad = !editing && error !== null && /cannot run this camera/.test(error);

  const submit = async (event: FormEvent, force = false): Promise<void> => {
    event.preventDefault();
    setError(null);
    setShowFieldErrors(true);
    if (fieldErrors.name || fieldErrors.threshold || fieldErrors.maxFps) return;
    const scoreThreshold = Number(threshold);
    const fps = maxFps.trim() === '' ? undefined : Number(maxFps);
    setSaving(true);
    try {
      let source: CameraSource | undefined;
      if (isEngineKind(kind)) {
        const built = engineSourceFrom(kind, engineValues);
        if (typeof built === 'string') throw new Error(built);
        // Unchanged when editing: not sent, so a masked password stays as stored.
        if (!editing || JSON.stringify(built) !== JSON.stringify(engineSourceFrom(kind, initialEngineValues(editingSource)))) source = built;
      } else if (!editing || file) {
        if (kind === 'webcam') {
          const device = devices?.find((d) => d.deviceId === deviceId);
          if (!device) throw new Error('Pick a camera.');
          source = { kind: 'webcam', deviceId: device.deviceId, label: device.label || undefined };
        } else if (!file) {
          throw new Error(kind === 'video' ? 'Pick a video file.' : 'Pick an image.');
        } else if (kind === 'video') {
          source = { kind: 'video', url: await keptVideo(bridge, file) };
        } else {
          source = { kind: 'image', url: await imageToDataUrl(file) };
        }
      }
      const fields = { name: name.trim().slice(0, 100), model: model || undefined, scoreThreshold, maxFps: fps, labels };
      if (editing) {
        await bridge.request({ method: 'updateCamera', id: editing.id, patch: source ? { ...fields, source } : fields });
      } else {
        const camera: CameraConfig = { ...fields, source: source! };
        await bridge.request({ method: 'addCamera', camera, ...(force ? { force: true } : {}) });
      }
      onClose();
    } catch (err) {
      setError(errorMessage(err));
      setSaving(false);
    }
  };

  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => e.target === e.currentTarget && onClose()}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <form className="modal" role="dialog" aria-modal="true" aria-label={editing ? `Edit ${editing.name}` : 'Add camera'} data-testid="camera-dialog" onSubmit={(e) => void submit(e)}>
        <h2>{editing ? `Edit ${editing.name}` : 'Add camera'}</h2>
        <label>
          Name
          <input data-testid="camera-name-input" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} aria-invalid={showFieldErrors && !!fieldErrors.name} />
          {showFieldErrors && fieldErrors.name && <FieldError id="name-error" text={fieldErrors.name} />}
        </label>
        <fieldset disabled={!!editing && !file && kind === 'webcam'}>
          <legend>Source</legend>
          <div className="radio-row">
            {([...PAGE_KINDS, 'stream', 'file', 'device'] as const).map((k) => (
              <label key={k}>
                <input
                  type="radio"
                  name="source-kind"
                  data-testid={`source-${k}`}
                  checked={kind === k}
                  disabled={!!editing}
                  onChange={() => {
                    setKind(k);
                    setFile(null);
                  }}
                />
                {isEngineKind(k) ? ENGINE_KIND_LABELS[k] : k === 'webcam' ? 'Camera' : k === 'video' ? 'Video file (loops)' : 'Image'}
              </label>
            ))}
          </div>
          {kind === 'webcam' && !editing && (
            <>
              <select data-testid="device-select" aria-label="Camera" value={deviceId} onChange={(e) => setDeviceId(e.target.value)}>
                {devices === null && <option value="">Looking for cameras…</option>}
                {devices?.length === 0 && <option value="">No camera available</option>}
                {devices?.map((d, i) => (
                  <option key={d.deviceId || i} value={d.deviceId}>
                    {d.label || `Camera ${i + 1}`}
                  </option>
                ))}
              </select>
              {deviceError && (
                <p className="form-error" data-testid="device-error" role="alert">
                  {deviceError} <button type="button" onClick={() => void loadDevices()}>Try again</button>
                </p>
              )}
            </>
          )}
          {kind === 'webcam' && editing && editing.source.kind === 'webcam' && <p className="hint">{editing.source.label}</p>}
          {isEngineKind(kind) && <EngineSourceFields kind={kind} values={engineValues} onChange={setEngineValues} />}
          {(kind === 'video' || kind === 'image') && (
            <label>
              {editing ? 'Pick the file again (optional)' : kind === 'video' ? 'Video file' : 'Image file'}
              <input
                type="file"
                data-testid="file-input"
                accept={kind === 'video' ? 'video/*' : 'image/*'}
                onChange={(e) => setFile(e.target.files?.[0] ?? null)}
              />
            </label>
          )}
        </fieldset>
        <ModelPicker models={models} model={model} onModel={setModel} labels={labels} onLabels={setLabels} />
        <label>
          Score threshold
          <input data-testid="threshold-input" type="number" min={0} max={1} step={0.05} value={threshold} onChange={(e) => setThreshold(e.target.value)} aria-invalid={showFieldErrors && !!fieldErrors.threshold} />
          {showFieldErrors && fieldErrors.threshold && <FieldError id="threshold-error" text={fieldErrors.threshold} />}
        </label>
        <label>
          Max fps (empty: as fast as the source)
          <input data-testid="max-fps-input" type="number" min={1} max={240} step={1} value={maxFps} onChange={(e) => setMaxFps(e.target.value)} aria-invalid={showFieldErrors && !!fieldErrors.maxFps} />
          {showFieldErrors && fieldErrors.maxFps && <FieldError id="max-fps-error" text={fieldErrors.maxFps} />}
        </label>
        {error && (
          <p className="form-error" data-testid="dialog-error" role="alert">
            {error}
          </p>
        )}
        <div className="modal-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          {refusedForLoad && (
            <button type="button" data-testid="camera-dialog-force" disabled={saving} onClick={(e) => void submit(e, true)}>
              Add anyway
            </button>
          )}
          <button type="submit" className="primary" data-testid="camera-dialog-submit" disabled={saving}>
            {saving ? 'Saving…' : editing ? 'Save' : 'Add camera'}
          </button>
        </div>
      </form>
    </div>
  );
}

function FieldError({ id, text }: { id: string; text: string }) {
  return (
    <span className="field-error" data-testid={id} role="alert">
      {text}
    </span>
  );
}

/** Each number field's reason to refuse what is typed, or nothing. An empty threshold is refused, never read as 0. */
export function validateFields(fields: { name: string; threshold: string; maxFps: string }): { name?: string; threshold?: string; maxFps?: string } {
  const errors: { name?: string; threshold?: string; maxFps?: string } = {};
  if (!fields.name.trim()) errors.name = 'Give the camera a name.';
  const threshold = fields.threshold.trim();
  if (threshold === '') errors.threshold = 'Enter a score threshold from 0 to 1 (0.5 is the usual).';
  else if (!Number.isFinite(Number(threshold)) || Number(threshold) < 0 || Number(threshold) > 1) errors.threshold = 'The score threshold is a number from 0 to 1.';
  const fps = fields.maxFps.trim();
  if (fps !== '' && (!Number.isFinite(Number(fps)) || Number(fps) <= 0 || Number(fps) > 240)) errors.maxFps = 'Max fps is empty (no limit) or a number above 0 and up to 240.';
  return errors;
}
