/**
 * Serves the built web renderer (out/renderer-web) read-only: no path outside the folder, no
 * directory listings, index.html for the root and for routes without a file extension.
 */
import { createReadStream, existsSync, statSync, type Stats } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { contentSecurityPolicy } from '../shared/csp';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The page may talk only to this server (its API and WebSocket) and may use the camera; no inline
 * scripts, no plugins, no framing.
 */
export function pageCsp(host?: string): string {
  // 'self' covers ws: on the same host in current browsers; the explicit source covers older ones.
  const socket = host && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? [`ws://${host}`, `wss://${host}`] : [];
  return contentSecurityPolicy({ connect: socket });
}

export type StaticResult = 'served' | 'not-built' | 'not-found';

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
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return file;
}

export function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  extraHeaders: Record<string, string> = {},
  host?: string,
): StaticResult {
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) return 'not-built';
  let file = resolveInside(root, urlPath);
  if (file === null) return 'not-found';
  let stat = statSafe(file);
  if (stat?.isDirectory()) {
    file = path.join(file, 'index.html');
    stat = statSafe(file);
  }
  if (!stat?.isFile()) {
    // Client-side routes (no extension) get the page; a missing asset is a 404.
    if (path.extname(file) !== '') return 'not-found';
    file = index;
    stat = statSafe(file);
    if (!stat) return 'not-built';
  }
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string | number> = {
    'Content-Type': type,
    'Content-Length': stat.size,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': file === index ? 'no-store' : 'no-cache',
    ...extraHeaders,
  };
  if (type.startsWith('text/html')) {
    headers['Content-Security-Policy'] = pageCsp(host);
    headers['Referrer-Policy'] = 'no-referrer';
    headers['Permissions-Policy'] = 'camera=(self), microphone=()';
  }
  res.writeHead(200, headers);
  createReadStream(file).pipe(res);
  return 'served';
}

function statSafe(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
