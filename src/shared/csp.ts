/**
 * The page's Content-Security-Policy, one for the desktop window and serve mode: the page's own
 * scripts only, no plugins, no framing, media from the camera and local blobs, and connections to
 * its own origin (plus whatever the caller adds: serve mode's WebSocket, the dev server).
 */
export function contentSecurityPolicy(options: { inlineScripts?: boolean; connect?: string[] } = {}): string {
  return [
    "default-src 'self'",
    options.inlineScripts ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: data: mediastream:",
    ["connect-src 'self'", ...(options.connect ?? [])].join(' '),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
