/**
 * The desktop window's pictures: a camera showing a still refers to a file in the media folder
 * (src/engine/media-store.ts) by name; the page loads it as multicam-media://media/<name>. Only
 * names the store gave out resolve, and only inside that folder.
 */
import { app, net, protocol } from 'electron';
import { pathToFileURL } from 'node:url';
import { MediaStore } from '../engine/media-store';

export const MEDIA_SCHEME = 'multicam-media';

/** Must run before the app is ready. */
export function registerMediaScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);
}

/** After the app is ready: serve the media folder beside the config (userData). */
export function handleMediaRequests(): void {
  const store = new MediaStore(app.getPath('userData'));
  protocol.handle(MEDIA_SCHEME, (request) => {
    const url = new URL(request.url);
    const file = url.hostname === 'media' ? store.pathOf(url.pathname.replace(/^\//, '')) : null;
    if (!file) return new Response('not found', { status: 404 });
    return net.fetch(pathToFileURL(file).href);
  });
}
