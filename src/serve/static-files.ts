/**
 * Which file of the built web renderer (out/renderer-web) a URL path names: nothing outside the
 * folder, by `..` or by a symlink that points out of it; regular files only (no FIFOs, devices or
 * listings); index.html for the root, for folders and for routes without a file extension.
 * @fastify/static's sendFile then streams it with its content type, ETag and ranges.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { contentSecurityPolicy } from '../shared/csp';

/**
 * The page may talk only to this server (its API and WebSocket) and may use the camera; no inline
 * scripts, no plugins, no framing. `host` is the request's Host header, already checked against
 * the names this server answers to.
 */
export function pageCsp(checkedHost?: string): string {
  // 'self' covers ws: on the same host in current browsers; the explicit source covers older ones.
  const socket = checkedHost && /^[A-Za-z0-9.\-:[\]]+$/.test(checkedHost) ? [`ws://${checkedHost}`, `wss://${checkedHost}`] : [];
  return contentSecurityPolicy({ connect: socket });
}

/** Headers of the page itself (index.html). */
export function pageHeaders(checkedHost?: string): Record<string, string> {
  return {
    'Content-Security-Policy': pageCsp(checkedHost),
    'Referrer-Policy': 'no-referrer',
    'Permissions-Policy': 'camera=(self), microphone=()',
    'Cache-Control': 'no-store',
  };
}

/** Maps a URL path into `root`; null for anything that would leave it. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  return inside(root, file) ? file : null;
}

function inside(root: string, file: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export type StaticTarget =
  | { kind: 'file'; root: string; relative: string; isPage: boolean }
  | { kind: 'not-built' }
  | { kind: 'not-found' };

/** The real, regular file `file` leads to, if it stays inside `realRoot`. */
function realFileInside(realRoot: string, file: string): { real: string; stat: Stats } | null {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return null;
  }
  if (!inside(realRoot, real)) return null;
  try {
    const stat = statSync(real);
    return stat.isFile() || stat.isDirectory() ? { real, stat } : null;
  } catch {
    return null;
  }
}

export function staticTarget(root: string, urlPath: string): StaticTarget {
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return { kind: 'not-built' };
  }
  const index = realFileInside(realRoot, path.join(realRoot, 'index.html'));
  if (!index?.stat.isFile()) return { kind: 'not-built' };
  const requested = resolveInside(realRoot, urlPath);
  if (requested === null) return { kind: 'not-found' };
  let found = realFileInside(realRoot, requested);
  if (found?.stat.isDirectory()) found = realFileInside(realRoot, path.join(found.real, 'index.html'));
  if (!found?.stat.isFile()) {
    // A client-side route (no extension) gets the page; a missing or refused asset is a 404.
    if (path.extname(requested) !== '') return { kind: 'not-found' };
    found = index;
  }
  return { kind: 'file', root: realRoot, relative: path.relative(realRoot, found.real), isPage: found.real === index.real };
}
