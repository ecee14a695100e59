/**
 * An upload kept as it arrives: the body goes chunk by chunk into a temp file in the media folder
 * (hashed on the way, so its content name is known at the end) and is never held in memory whole.
 * Every chunk is counted against the largest file and against the media folder's quota (the files
 * there plus the other uploads under way); an upload that passes either is stopped, its temp file
 * removed, and a MediaLimitError says which. At the end the temp file is fsynced and renamed to
 * its content name (or dropped when that content is kept already), like every file the app writes.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE, refuseLink, tempNameFor } from '../node/files';

/** A body over a limit: answered 413. */
export class MediaLimitError extends Error {}

export interface UploadLimits {
  /** Largest single file. */
  maxFileBytes: number;
  /** Bytes the folder may hold in all. */
  quotaBytes: number;
  /** Bytes the folder holds now, other uploads under way included (asked again as the upload grows). */
  used(): number;
  /** Told of each chunk taken, so other uploads count it. */
  taken(bytes: number): void;
}

const MB = 1024 * 1024;

export function quotaMessage(wouldHold: number, quotaBytes: number): string {
  return `the media folder would hold ${Math.ceil(wouldHold / MB)} MB, over its quota of ${Math.round(quotaBytes / MB)} MB (settings.mediaQuotaMB); remove cameras whose pictures, videos or models are no longer needed, or raise the quota`;
}

/**
 * Writes `body` into `dir` as `<sha256>.<ext>` (`ext` from the MIME type, chosen by the caller):
 * returns that name and the bytes taken, or null for an empty body (nothing is kept).
 */
export async function keepUpload(dir: string, ext: string, body: AsyncIterable<Uint8Array>, limits: UploadLimits): Promise<{ name: string; bytes: number; added: boolean } | null> {
  // The temp file is named for a placeholder content name, so the start-up sweep knows it as the app's.
  const temp = path.join(dir, tempNameFor(`${randomBytes(32).toString('hex')}.${ext}`));
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);
  const fd = fs.openSync(temp, flags, PRIVATE_FILE_MODE);
  const hash = createHash('sha256');
  let bytes = 0;
  let open = true;
  try {
    for await (const chunk of body) {
      if (bytes + chunk.length > limits.maxFileBytes) throw new MediaLimitError(`the file is over ${limits.maxFileBytes / MB} MB`);
      const wouldHold = limits.used() + chunk.length;
      if (wouldHold > limits.quotaBytes) throw new MediaLimitError(quotaMessage(wouldHold, limits.quotaBytes));
      limits.taken(chunk.length);
      bytes += chunk.length;
      hash.update(chunk);
      await writeAll(fd, chunk);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    open = false;
    if (bytes === 0) {
      fs.unlinkSync(temp);
      return null;
    }
    const name = `${hash.digest('hex')}.${ext}`;
    const target = path.join(dir, name);
    // The same content kept already: the new copy goes.
    const existing = refuseLink(target);
    if (existing) fs.unlinkSync(temp);
    else fs.renameSync(temp, target);
    return { name, bytes, added: !existing };
  } catch (err) {
    if (open) fs.closeSync(fd);
    try {
      fs.unlinkSync(temp);
    } catch {
      // renamed already, or gone
    }
    throw err;
  }
}

function writeAll(fd: number, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    let offset = 0;
    const next = () =>
      fs.write(fd, chunk, offset, chunk.length - offset, null, (err, written) => {
        if (err) return reject(err);
        offset += written;
        if (offset < chunk.length) next();
        else resolve();
      });
    next();
  });
}
