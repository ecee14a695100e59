/**
 * Where events live: `userData` in the desktop app, `--data DIR` in serve mode, otherwise the
 * per-user data folder the desktop app would use. Never the working directory.
 */
import path from 'node:path';
import { userDataFolder } from '../../engine/config/location';

export function eventsDataDir(explicit?: string | null): string {
  return path.resolve(explicit ?? userDataFolder());
}
