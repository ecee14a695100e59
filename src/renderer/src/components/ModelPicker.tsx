/**
 * The model part of the camera dialog: each model's title, frame size, what it recognises and its
 * speed on this machine (from the engine's calibration, once measured); the labels a camera keeps
 * for models that have several; and a path to a .tflite of the user's own (on the engine's
 * machine, with optional labels in NAME.txt beside it).
 */
import { useState } from 'react';
import type { ModelListEntry } from '../../../shared/contracts/engine-api';
import { useEngine } from '../context';

const CUSTOM = '__custom__';

export function ModelPicker(props: {
  models: ModelListEntry[];
  model: string;
  onModel: (model: string) => void;
  labels: string[] | undefined;
  onLabels: (labels: string[] | undefined) => void;
}) {
  const { models, model, onModel, labels, onLabels } = props;
  const { bridge } = useEngine();
  const [picked, setPicked] = useState<string | null>(null);
  /** A picked file is copied into the engine's media folder, and the model is chosen by its path there. */
  const pick = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    setPicked(`copying ${file.name} to the engine…`);
    try {
      onModel((await bridge.keepMedia(file, 'application/x-tflite')).path);
      setPicked(`${file.name}, kept in the engine's data folder`);
    } catch (err) {
      setPicked(`could not use ${file.name}: ${(err as Error).message}`);
    }
  };
  const known = models.find((m) => m.name === model);
  const custom = !!model && !known;
  const speed = (m: ModelListEntry) => (m.ips ? `, ${m.ips >= 10 ? Math.round(m.ips) : m.ips.toFixed(1)}/s here` : '');
  const kept = new Set(labels ?? known?.defaultLabels ?? known?.labels ?? []);
  const toggle = (label: string) => {
    const next = new Set(kept);
    if (next.has(label)) next.delete(label);
    else next.add(label);
    onLabels(known?.labels.filter((l) => next.has(l)));
  };
  return (
    <>
      <label>
        Model
        <select data-testid="model-select" value={custom ? CUSTOM : model} onChange={(e) => onModel(e.target.value === CUSTOM ? '' : e.target.value)}>
          {models.length === 0 && <option value="">Loading models…</option>}
          {models.map((m) => (
            <option key={m.name} value={m.name}>
              {m.title} ({m.inputWidth}×{m.inputHeight}
              {speed(m)})
            </option>
          ))}
          <option value={CUSTOM}>Other .tflite file…</option>
        </select>
      </label>
      {known && (
        <p className="hint" data-testid="model-recognises">
          Recognises {known.recognises}.{known.stages === 2 ? ' Two models in turn: a detector, then landmarks on each find.' : ''}
        </p>
      )}
      {(custom || (!known && models.length > 0 && !model)) && (
        <label>
          Path of a .tflite file on the engine's machine (labels from NAME.txt beside it)
          <input data-testid="model-path-input" type="text" value={custom ? model : ''} placeholder="/path/to/model.tflite" onChange={(e) => onModel(e.target.value)} />
        </label>
      )}
      {(custom || (!known && models.length > 0 && !model)) && (
        <label>
          Or pick a .tflite file (it is copied to the engine)
          <input data-testid="model-file-input" type="file" accept=".tflite" onChange={(e) => void pick(e.target.files?.[0])} />
          {picked && <span className="hint" data-testid="model-file-state">{picked}</span>}
        </label>
      )}
      {known && known.labels.length > 1 && (
        <fieldset className="labels" data-testid="label-choice">
          <legend>Report these labels</legend>
          {known.labels.map((label) => (
            <label key={label} className="inline">
              <input type="checkbox" checked={kept.has(label)} onChange={() => toggle(label)} /> {label}
            </label>
          ))}
        </fieldset>
      )}
    </>
  );
}
