/**
 * The desktop app's one engine, from app start to quit, and its windows as renderer clients (as
 * serve mode's pages are). A page that reloads, a renderer that crashes or a window that closes
 * disconnects its page; the next page to load connects again. Workers, ffmpeg, engine-side cameras
 * and open events go on across it; a camera the page captured waits for a page to capture it again.
 *
 * Each camera's frames travel over a MessagePort between the page and the camera's worker; when the
 * page holding a camera changes, the worker is handed a new port (src/engine/frame-ports.ts). The
 * logic lives in src/engine (EngineHost, PageClients, FramePorts); this file maps Electron onto it.
 */
import { app, ipcMain, MessageChannelMain, type IpcMainInvokeEvent, type MessagePortMain, type WebContents } from 'electron';
import path from 'node:path';
import { IPC_CHANNELS } from '../shared/contracts/desktop-ipc';
import type { ApiResponse, EngineSnapshot } from '../shared/contracts/engine-api';
import { EngineHost, type ProcessMetrics } from '../engine/host';
import { PageClients, type PageView } from '../engine/page-clients';
import { defaultLogger, type Logger } from '../engine/logger';
import type { AppOrigin } from './security';
import { UtilityProcessLauncher } from './utility-launcher';

export interface WindowEngineOptions {
  workerPath: string;
  origin: AppOrigin;
  log?: Logger;
  /** Every snapshot the engine pushes (the tray counts running cameras from it). */
  onSnapshot?: (snapshot: EngineSnapshot) => void;
}

export class WindowEngine {
  readonly configFile: string;
  private readonly host: EngineHost;
  private readonly pages: PageClients<WebContents>;
  /** Windows attached (their pages may use the IPC channels), loaded or not. */
  private readonly windows = new Set<WebContents>();
  private readonly log: Logger;
  private stopping: Promise<void> | null = null;

  /** Starts the engine: every configured camera's worker runs from now until shutdown(). */
  constructor(private readonly options: WindowEngineOptions) {
    this.log = options.log ?? defaultLogger();
    this.configFile = path.join(app.getPath('userData'), 'config.json');
    this.host = new EngineHost({
      configFile: this.configFile,
      launcher: new UtilityProcessLauncher(options.workerPath),
      log: this.log,
      processMetrics: () => utilityMetrics(),
      // Events beside the configuration: userData.
      eventsDir: path.dirname(this.configFile),
      frameChannel: () => {
        const { port1, port2 } = new MessageChannelMain();
        return { workerEnd: port1, clientEnd: port2 };
      },
    });
    const onSnapshot = options.onSnapshot;
    if (onSnapshot) this.host.on('event', (event) => event.type === 'snapshot' && onSnapshot(event.snapshot));
    this.pages = new PageClients(this.host, this.log);
    ipcMain.handle(IPC_CHANNELS.request, (event, raw: unknown) => this.onRequest(event, raw));
    this.host.start();
  }

  /** Watches one window: its page connects when it has loaded and disconnects when it goes. */
  attach(contents: WebContents): void {
    this.windows.add(contents);
    const view: PageView = {
      send: (event) => {
        if (!contents.isDestroyed()) contents.send(IPC_CHANNELS.event, event);
      },
      sendPort: (cameraId, port) => {
        const end = port as MessagePortMain;
        // The preload forwards it to the page's own world.
        if (contents.isDestroyed()) end.close();
        else contents.postMessage(IPC_CHANNELS.port, { cameraId }, [end]);
      },
    };
    contents.on('did-finish-load', () => {
      if (this.options.origin.isAppUrl(contents.getURL())) this.pages.loaded(contents, view);
    });
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) this.pages.left(contents, 'the page is reloading');
    });
    contents.on('render-process-gone', (_event, details) => this.pages.left(contents, `the renderer is gone (${details.reason})`));
    contents.on('destroyed', () => {
      this.windows.delete(contents);
      this.pages.left(contents, 'the window closed');
    });
  }

  /** Stops every worker; for app quit. */
  shutdown(): Promise<void> {
    if (!this.stopping) {
      ipcMain.removeHandler(IPC_CHANNELS.request);
      this.pages.close();
      this.log.info('engine: stopping the camera workers: the app is quitting');
      this.stopping = this.host.stop().catch((err) => this.log.error({ err }, 'engine: error while stopping'));
    }
    return this.stopping;
  }

  private async onRequest(event: IpcMainInvokeEvent, raw: unknown): Promise<ApiResponse> {
    const window = this.windows.has(event.sender) ? event.sender : null;
    if (!this.options.origin.isTrustedSender(event, window)) {
      this.log.warn(`engine: refused a request from ${event.senderFrame?.url ?? 'an unknown frame'}`);
      return { ok: false, error: 'request refused: not the app page' };
    }
    return this.host.handle(raw);
  }
}

/** CPU and memory of each utility process as Chromium measures them, by pid. */
function utilityMetrics(): Map<number, ProcessMetrics> {
  const out = new Map<number, ProcessMetrics>();
  for (const metric of app.getAppMetrics()) {
    if (metric.type !== 'Utility') continue;
    // workingSetSize is in kilobytes.
    out.set(metric.pid, { cpuPercent: metric.cpu.percentCPUUsage, rssBytes: metric.memory.workingSetSize * 1024 });
  }
  return out;
}
