/**
 * The camera group chosen in the grid's header: kept per browser (localStorage), so a reload
 * shows the same group; '' is every camera. The groups themselves live in the engine's config.
 */
import { createStore } from 'zustand/vanilla';
import type { CameraGroup } from '../../../shared/contracts/config';

const KEY = 'multicam.group';

function stored(): string {
  try {
    return localStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export const groupChoice = createStore<{ group: string }>(() => ({ group: stored() }));

export function chooseGroup(name: string): void {
  groupChoice.setState({ group: name });
  try {
    if (name) localStorage.setItem(KEY, name);
    else localStorage.removeItem(KEY);
  } catch {
    // a browser without storage forgets the choice at reload
  }
}

/** The chosen group as the config has it now, or null (every camera) when none or it is gone. */
export function findGroup(groups: CameraGroup[] | undefined, name: string): CameraGroup | null {
  return (name && groups?.find((g) => g.name === name)) || null;
}
