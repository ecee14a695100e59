/**
 * The grid's header: which camera group is shown ("All cameras" or a named group), and a small
 * editor to make, change or delete a group (a name and the cameras in it). Groups are saved in the
 * engine's configuration (setGroups); the choice of group is this browser's.
 */
import { useState } from 'react';
import { useStore } from 'zustand';
import { CameraGroup, CameraGroups } from '../../../shared/contracts/config';
import { useEngine } from '../context';
import { errorMessage } from '../state/engine';
import { chooseGroup, findGroup, groupChoice } from '../state/groups';
import { store } from '../state/store';

type Editing = { original: string | null; name: string; cameras: string[] };

export function GroupBar() {
  const { bridge, account } = useEngine();
  // A viewer chooses a group but changes none (the server refuses setGroups to it).
  const canChange = account?.role !== 'viewer';
  const groups = useStore(store, (s) => s.config?.groups) ?? [];
  const cameras = useStore(store, (s) => s.config?.cameras) ?? [];
  const chosen = findGroup(groups, useStore(groupChoice, (s) => s.group));
  const [editing, setEditing] = useState<Editing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async (next: CameraGroup[], show: string): Promise<void> => {
    const parsed = CameraGroups.safeParse(next);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'invalid group');
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await bridge.request({ method: 'setGroups', groups: parsed.data });
      chooseGroup(show);
      setEditing(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const submit = (): void => {
    if (!editing) return;
    const group = { name: editing.name.trim(), cameras: editing.cameras };
    const others = groups.filter((g) => g.name !== editing.original);
    const at = editing.original === null ? others.length : groups.findIndex((g) => g.name === editing.original);
    void save([...others.slice(0, at), group, ...others.slice(at)], group.name);
  };

  const toggle = (id: string, on: boolean): void =>
    setEditing((e) => e && { ...e, cameras: on ? [...e.cameras, id] : e.cameras.filter((c) => c !== id) });

  return (
    <div className="group-bar" data-testid="group-bar">
      <label className="inline">
        Group
        <select value={chosen?.name ?? ''} onChange={(e) => chooseGroup(e.target.value)} data-testid="group-select">
          <option value="">All cameras</option>
          {groups.map((g) => (
            <option key={g.name} value={g.name}>
              {g.name} ({g.cameras.length})
            </option>
          ))}
        </select>
      </label>
      {canChange && (
        <button type="button" data-testid="group-new" onClick={() => setEditing({ original: null, name: '', cameras: [] })}>
          New group
        </button>
      )}
      {canChange && chosen && (
        <button type="button" data-testid="group-edit" onClick={() => setEditing({ original: chosen.name, name: chosen.name, cameras: chosen.cameras })}>
          Edit group
        </button>
      )}
      {editing && (
        <form
          className="group-editor"
          data-testid="group-editor"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <label>
            Name
            <input autoFocus value={editing.name} maxLength={40} onChange={(e) => setEditing({ ...editing, name: e.target.value })} data-testid="group-name-input" />
          </label>
          <fieldset>
            <legend>Cameras</legend>
            {cameras.map((c) => (
              <label key={c.id} className="inline">
                <input type="checkbox" checked={editing.cameras.includes(c.id!)} onChange={(e) => toggle(c.id!, e.target.checked)} data-testid="group-camera" data-camera-id={c.id} />
                {c.name}
              </label>
            ))}
          </fieldset>
          {error && (
            <p className="form-error" role="alert" data-testid="group-error">
              {error}
            </p>
          )}
          <div className="group-actions">
            <button type="submit" className="primary" disabled={saving} data-testid="group-save">
              Save group
            </button>
            {editing.original !== null && (
              <button type="button" className="danger" disabled={saving} data-testid="group-delete" onClick={() => void save(groups.filter((g) => g.name !== editing.original), '')}>
                Delete group
              </button>
            )}
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
