/**
 * The window's security rules. The page is the app's own (built files, or the electron-vite dev
 * server in development); nothing else may load in the window, open a window, get a permission, or
 * talk to main.
 *
 * CSP: the page's index.html carries a meta Content-Security-Policy (the only thing that applies to
 * file:// pages, where response headers do not exist). Responses that do have headers (the dev
 * server) also get the policy below as a header through session.webRequest.onHeadersReceived.
 * Both policies apply, so the stricter of the two wins.
 */
import type { IpcMainInvokeEvent, Session, WebContents, WebFrameMain } from 'electron';
import { contentSecurityPolicy } from '../shared/csp';

export function appCsp(dev: boolean): string {
  // Vite's dev server injects its client and React refresh preamble inline, and talks over a socket.
  return dev
    ? contentSecurityPolicy({ inlineScripts: true, connect: ['ws:', 'http://localhost:*', 'http://127.0.0.1:*'], media: ['multicam-media:'] })
    : contentSecurityPolicy({ media: ['multicam-media:'] });
}

/** Decides whether a URL is the app's own page: the built index.html, or the dev server origin. */
export class AppOrigin {
  constructor(
    /** file:///.../out/renderer/index.html or http://localhost:5173/ */
    readonly pageUrl: string,
  ) {}

  get dev(): boolean {
    return !this.pageUrl.startsWith('file:');
  }

  isAppUrl(url: string | undefined | null): boolean {
    if (!url) return false;
    let parsed: URL;
    let page: URL;
    try {
      parsed = new URL(url);
      page = new URL(this.pageUrl);
    } catch {
      return false;
    }
    if (page.protocol === 'file:') return parsed.protocol === 'file:' && parsed.pathname === page.pathname;
    return parsed.origin === page.origin;
  }

  /** Only the window's top frame, showing the app's page, may use the IPC channels. */
  isTrustedSender(event: IpcMainInvokeEvent | { sender: WebContents; senderFrame: WebFrameMain | null }, window: WebContents | null): boolean {
    const frame = event.senderFrame;
    if (!frame || !window || event.sender !== window) return false;
    if (frame !== window.mainFrame) return false;
    return this.isAppUrl(frame.url);
  }
}

/**
 * Session-wide rules: CSP header on responses, and permissions: 'media' (camera) only for the app's
 * page and only for video; everything else refused.
 */
export function applySessionPolicy(session: Session, origin: AppOrigin, isAppWindow: (contents: WebContents) => boolean): void {
  const csp = appCsp(origin.dev);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (origin.isAppUrl(details.url)) {
      for (const key of Object.keys(headers)) if (key.toLowerCase() === 'content-security-policy') delete headers[key];
      headers['Content-Security-Policy'] = [csp];
    }
    callback({ responseHeaders: headers });
  });
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details ? (details.mediaTypes ?? []) : [];
    const allowed =
      permission === 'media' &&
      isAppWindow(contents) &&
      details.isMainFrame &&
      origin.isAppUrl(details.requestingUrl) &&
      mediaTypes.every((t) => t === 'video');
    callback(allowed);
  });
  session.setPermissionCheckHandler((contents, permission, requestingOrigin) => {
    if (permission !== 'media' || !contents || !isAppWindow(contents)) return false;
    return origin.isAppUrl(contents.getURL()) || origin.isAppUrl(requestingOrigin);
  });
}

/** No navigation away from the app, no new windows, no webviews, in any web contents. */
export function lockDownContents(contents: WebContents, origin: AppOrigin): void {
  contents.on('will-navigate', (event, url) => {
    if (!origin.isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!origin.isAppUrl(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
