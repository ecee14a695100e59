/**
 * Where the configuration lives when nobody says otherwise. The desktop app uses
 * app.getPath('userData')/config.json; serve mode without --config uses the same folder, worked out
 * the way Electron does it, so both modes share one configuration.
 */
import os from 'node:os';
import path from 'node:path';

export const APP_FOLDER = 'multicam-recognition';
export const CONFIG_FILE_NAME = 'config.json';

export function userDataFolder(): string {
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_FOLDER);
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_FOLDER);
  return path.join(process.env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_FOLDER);
}

export function defaultConfigFile(): string {
  return path.join(userDataFolder(), CONFIG_FILE_NAME);
}
