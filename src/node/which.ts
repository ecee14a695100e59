/** Finding an executable on a PATH-like list of folders. */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` (name.exe on Windows) in the folders of `searchPath`, or null. */
export function findExecutable(name: string, searchPath: string): string | null {
  const file = process.platform === 'win32' ? `${name}.exe` : name;
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, file);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}
