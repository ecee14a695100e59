/**
 * Binds the engine to the window's page. Each camera's frames travel over a MessagePort from the
 * page straight to the camera's worker; ports die with the page, so when the page goes (reload,
 * navigation, renderer crash) every worker is stopped, and a fresh engine starts for the next page
 * once it has loaded. No worker outlives the page it serves; none outlives the app.
 */
import { app, ipcMain, MessageChannelMain, type IpcMainInvokeEvent, type MessagePortMain, type WebContents } from 'electron';
import path from 'node:path';
import { IPC_CHANNELS } from '../shared/contracts/desktop-ipc';
import type { ApiEvent, ApiResponse, EngineSnapshot } from '../shared/contracts/engine-api';
import { EngineHost, type ProcessMetrics } from '../engine/host';
import type { AppOrigin } from './security';
import { UtilityProcessLauncher } from './utility-launcher';

export interface WindowEngineOptions {
  workerPath: string;
  origin: AppOrigin;
  log?: (line: string) => void;
  /** Every snapshot the engine pushes (the tray counts running cameras from it). */
  onSnapshot?: (snapshot: EngineSnapshot) => void;
}

export class WindowEngine {
  private host: EngineHost | null = null;
  private contents: WebContents | null = null;
  /** The renderer ends of the ports, until the page takes them (closed when a camera goes). */
  private readonly ports = new Map<string, MessagePortMain>();
  /** Start and stop run one at a time. */
  private chain: Promise<void> = Promise.resolve();
  private readonly log: (line: string) => void;
  private readonly launcher: UtilityProcessLauncher;
  private quitting = false;
  /** Ends the window's connection to the current engine, so a stopping engine says nothing more. */
  private disconnect: () => void = () => undefined;

  constructor(private readonly options: WindowEngineOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.launcher = new UtilityProcessLauncher(options.workerPath);
    ipcMain.handle(IPC_CHANNELS.request, (event, raw: unknown) => this.onRequest(event, raw));
  }

  get configFile(): string {
    return path.join(app.getPath('userData'), 'config.json');
  }

  /** Watches one window: starts the engine when its page has loaded, stops it when the page goes. */
  attach(contents: WebContents): void {
    this.contents = contents;
    contents.on('did-finish-load', () => {
      if (this.options.origin.isAppUrl(contents.getURL())) this.enqueue(() => this.start(contents));
    });
    contents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) this.enqueue(() => this.stopEngine('the page is reloading'));
    });
    contents.on('render-process-gone', (_event, details) => this.enqueue(() => this.stopEngine(`the renderer is gone (${details.reason})`)));
    contents.on('destroyed', () => {
      if (this.contents === contents) this.contents = null;
      this.enqueue(() => this.stopEngine('the window closed'));
    });
  }

  /** Stops every worker; for app quit. */
  shutdown(): Promise<void> {
    this.quitting = true;
    ipcMain.removeHandler(IPC_CHANNELS.request);
    this.enqueue(() => this.stopEngine('the app is quitting'));
    return this.chain;
  }

  private enqueue(step: () => Promise<void> | void): void {
    this.chain = this.chain.then(step).catch((err) => this.log(`engine: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async start(contents: WebContents): Promise<void> {
    if (this.quitting || contents.isDestroyed()) return;
    await this.stopEngine('the page loaded again');
    const host = new EngineHost({
      configFile: this.configFile,
      launcher: this.launcher,
      log: this.log,
      processMetrics: () => utilityMetrics(),
      // Events beside the configuration: userData.
      eventsDir: path.dirname(this.configFile),
      supervisor: {
        createDataPort: (cameraId) => this.createDataPort(cameraId),
        releaseDataPort: (cameraId) => this.releaseDataPort(cameraId),
      },
    });
    this.host = host;
    // Start first: cameras without an id get theirs (and their ports) before the page hears of them.
    host.start();
    // The window is the engine's one renderer: it captures every camera fed by a page. Its frames
    // and their answers travel over the cameras' MessagePorts, never through here.
    this.disconnect = host.connect({
      id: 1,
      sendEvent: (event) => {
        this.push(event);
        if (event.type === 'snapshot') this.options.onSnapshot?.(event.snapshot);
      },
      sendFrameReply: () => undefined,
    });
  }

  private async stopEngine(why: string): Promise<void> {
    const host = this.host;
    if (!host) return;
    this.host = null;
    this.log(`engine: stopping the camera workers: ${why}`);
    this.disconnect();
    await host.stop();
    for (const port of this.ports.values()) port.close();
    this.ports.clear();
  }

  /**
   * One channel per worker life: port1 goes to the worker with 'init', port2 to the page, which
   * the preload forwards to the page's own world.
   */
  private createDataPort(cameraId: string): MessagePortMain {
    const { port1, port2 } = new MessageChannelMain();
    this.ports.get(cameraId)?.close();
    this.ports.set(cameraId, port2);
    const contents = this.contents;
    if (contents && !contents.isDestroyed()) contents.postMessage(IPC_CHANNELS.port, { cameraId }, [port2]);
    return port1;
  }

  private releaseDataPort(cameraId: string): void {
    this.ports.get(cameraId)?.close();
    this.ports.delete(cameraId);
  }

  private async onRequest(event: IpcMainInvokeEvent, raw: unknown): Promise<ApiResponse> {
    if (!this.options.origin.isTrustedSender(event, this.contents)) {
      this.log(`engine: refused a request from ${event.senderFrame?.url ?? 'an unknown frame'}`);
      return { ok: false, error: 'request refused: not the app page' };
    }
    const host = this.host;
    if (!host) return { ok: false, error: 'the engine is not running (the page is loading)' };
    return host.handle(raw);
  }

  private push(event: ApiEvent): void {
    const contents = this.contents;
    if (contents && !contents.isDestroyed()) contents.send(IPC_CHANNELS.event, event);
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
