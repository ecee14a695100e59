/**
 * Reads a model file once, safely: only a regular file, at most MAX_MODEL_BYTES, read straight
 * into the one buffer the interpreter gets. Opening never blocks (a FIFO is refused, not waited
 * on), and every way a file can be unusable (missing, unreadable, a directory, a device, empty,
 * too large, not a TF Lite model) gives the same message, so the error says nothing about which
 * files exist. A file the manifest pins is checked against its sha256 here, where it is used.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

export class ModelFileError extends Error {
  constructor(
    readonly kind: 'unusable' | 'checksum',
    message: string,
  ) {
    super(message);
  }
}

export function unusableModelMessage(file: string): string {
  return `cannot load model ${file}: cannot use this file (a readable TF Lite model file of at most ${MAX_MODEL_BYTES / 1024 / 1024} MB is needed)`;
}

export function readModelFile(file: string, expectedSha256?: string, label = file): ArrayBuffer {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    throw new ModelFileError('unusable', unusableModelMessage(file));
  }
  let buffer: ArrayBuffer;
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size === 0 || st.size > MAX_MODEL_BYTES) throw new ModelFileError('unusable', unusableModelMessage(file));
    buffer = new ArrayBuffer(st.size);
    const view = new Uint8Array(buffer);
    let offset = 0;
    while (offset < view.length) {
      const n = readSync(fd, view, offset, view.length - offset, offset);
      if (n <= 0) break;
      offset += n;
    }
    if (offset !== view.length) throw new ModelFileError('unusable', unusableModelMessage(file));
  } catch (err) {
    if (err instanceof ModelFileError) throw err;
    throw new ModelFileError('unusable', unusableModelMessage(file));
  } finally {
    closeSync(fd);
  }
  if (expectedSha256) {
    const actual = createHash('sha256').update(new Uint8Array(buffer)).digest('hex');
    if (actual !== expectedSha256) {
      throw new ModelFileError(
        'checksum',
        `model ${label}: ${file} fails its checksum (sha256 ${actual.slice(0, 16)}..., the manifest pins ${expectedSha256.slice(0, 16)}...); delete the file so that it is extracted again, or reinstall its package`,
      );
    }
  }
  return buffer;
}
