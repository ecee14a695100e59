/**
 * The page's Content-Security-Policy, one for the desktop window and serve mode: the page's own
 * scripts only, no plugins, no framing, media from the camera, local blobs and the app's media
 * folder (desktop: the multicam-media: scheme), and connections to
 * its own origin (plus whatever the caller adds: serve mode's WebSocket, the dev server).
 */
export function contentSecurityPolicy(options: { inlineScripts?: boolean; connect?: string[]; media?: string[] } = {}): string {
  const media = (options.media ?? []).map((s) => ` ${s}`).join('');
  return [
    "default-src 'self'",
    options.inlineScripts ? "script-src 'self' 'unsafe-inline'" : "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob:${media}`,
    `media-src 'self' blob: data: mediastream:${media}`,
    ["connect-src 'self'", ...(options.connect ?? [])].join(' '),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
