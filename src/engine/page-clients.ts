/**
 * The desktop app's pages as renderer clients of its one engine, the way serve mode's pages are
 * (session.ts): a page that has loaded connects, a page that goes (reload, navigation, renderer
 * crash, window closed) disconnects, and the engine goes on without it. Engine-side cameras,
 * open events and every worker keep running; a page-captured camera has no source until a page
 * connects again and captures it (RendererHub moves it to another window if one is connected).
 *
 * A page takes its cameras' frame ports (frame-ports.ts): frames and their answers never pass
 * through here. Electron stays in src/main/window-engine.ts, which only maps a window's
 * WebContents events onto loaded() and left().
 */
import { silentLogger, type Logger } from './logger';
import type { ApiEvent } from '../shared/contracts/engine-api';
import type { RendererClient } from './renderers';

/** How to reach one window's page. */
export interface PageView {
  /** An engine event for the page (Electron: webContents.send). */
  send(event: ApiEvent): void;
  /** One end of a channel to a camera's worker, for the page (Electron: webContents.postMessage). */
  sendPort(cameraId: string, port: unknown): void;
}

export interface PageClientsHost {
  connect(client: RendererClient): () => void;
}

/** The connected pages, one per window at most, keyed by the window (W: Electron's WebContents). */
export class PageClients<W> {
  private readonly pages = new Map<W, { client: RendererClient; disconnect: () => void }>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly host: PageClientsHost,
    private readonly log: Logger = silentLogger(),
  ) {}

  /** Windows whose page is connected now. */
  get size(): number {
    return this.pages.size;
  }

  /** The renderer client id of the window's page, while it is connected. */
  clientOf(window: W): number | undefined {
    return this.pages.get(window)?.client.id;
  }

  /** The window's page has loaded (first load or reload): it connects, in place of the page it had. */
  loaded(window: W, view: PageView): void {
    if (this.closed) return;
    this.left(window, 'a new page loaded');
    const client: RendererClient = {
      id: this.nextId++,
      sendEvent: (event) => view.send(event),
      // The page's frames and their answers travel over its cameras' ports, never through main.
      sendFrameReply: () => undefined,
      takeFramePort: (cameraId, port) => view.sendPort(cameraId, port),
    };
    // Set before connecting: the connect sends events and ports to the page at once.
    const page = { client, disconnect: () => undefined as void };
    this.pages.set(window, page);
    page.disconnect = this.host.connect(client);
  }

  /** The window's page is gone: its cameras wait for a page; nothing else stops. */
  left(window: W, why: string): void {
    const page = this.pages.get(window);
    if (!page) return;
    this.pages.delete(window);
    this.log.info(`engine: page ${page.client.id} left (${why}); the engine goes on`);
    page.disconnect();
  }

  /** App quit: every page leaves and none connects again. */
  close(): void {
    this.closed = true;
    for (const window of [...this.pages.keys()]) this.left(window, 'the app is quitting');
  }
}
