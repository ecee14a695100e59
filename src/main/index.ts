/**
 * The desktop app's main process: one engine from app start to quit, one window whose page is
 * the engine's client (a reload reconnects it, the workers go on), and a tray icon. Closing the
 * window hides it to the tray, so the cameras keep running; Quit (tray) ends everything. The
 * engine's logic lives in EngineHost (shared with serve mode); this file only wires Electron to it.
 */
import { app, BrowserWindow, session, type WebContents } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import workerPath from '../workers/camera-worker?modulePath';
import { createLogger, useLogger } from '../engine/logger';
import { maskStderr } from '../engine/redaction';
import { handleMediaRequests, registerMediaScheme } from './media-protocol';
import { AppOrigin, applySessionPolicy, lockDownContents } from './security';
import { AppTray } from './tray';
import { WindowEngine } from './window-engine';

const here = path.dirname(fileURLToPath(import.meta.url));
const preloadPath = path.join(here, '../preload/index.cjs');
const rendererFile = path.join(here, '../renderer/index.html');
/** electron-vite sets this to its dev server in `electron-vite dev`. */
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const origin = new AppOrigin(devServerUrl ?? pathToFileURL(rendererFile).href);
// No line on stderr carries a password (the engine adds each config's secrets as it loads them).
maskStderr();

let mainWindow: BrowserWindow | null = null;
let engine: WindowEngine | null = null;
let quitting = false;
const tray = new AppTray({
  show: () => showWindow(),
  quit: () => {
    quitting = true;
    app.quit();
  },
});

function showWindow(): void {
  if (!mainWindow) return createWindow();
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

/** The app's log on its stderr: JSON lines, readable ones on a terminal (logger.ts). */
const log = useLogger(createLogger());

function createWindow(): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Multicam Recognition',
    backgroundColor: '#111418',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      spellcheck: false,
      // The page captures webcams: it must keep its full rate while minimised or hidden in the tray.
      backgroundThrottling: false,
    },
  });
  mainWindow = window;
  window.once('ready-to-show', () => window.show());
  // Close hides to the tray: recognition goes on. Quit from the tray (or the OS) really quits.
  window.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    window.hide();
  });
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  engine!.attach(window.webContents);
  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(rendererFile);
}

const isAppWindow = (contents: WebContents): boolean => !!mainWindow && !mainWindow.isDestroyed() && contents === mainWindow.webContents;

// Every renderer sandboxed, not only the window that asks for it.
app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());

  app.on('web-contents-created', (_event, contents) => lockDownContents(contents, origin));

  app.on('child-process-gone', (_event, details) => {
    if (details.type === 'Utility') log.warn({ service: details.serviceName ?? details.name, reason: details.reason, exitCode: details.exitCode }, `utility process ${details.serviceName ?? details.name ?? '?'} gone: ${details.reason} (exit code ${details.exitCode})`);
  });

  registerMediaScheme();
  void app.whenReady().then(() => {
    applySessionPolicy(session.defaultSession, origin, isAppWindow);
    handleMediaRequests();
    engine = new WindowEngine({
      workerPath,
      origin,
      log,
      onSnapshot: (snapshot) => tray.update(snapshot.cameras.filter((c) => c.state === 'running').length, snapshot.cameras.length),
    });
    tray.create();
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Quit waits for every worker to exit: no orphans.
  let stopped = false;
  app.on('before-quit', (event) => {
    quitting = true;
    if (stopped || !engine) return;
    event.preventDefault();
    void engine.shutdown().finally(() => {
      stopped = true;
      tray.destroy();
      app.quit();
    });
  });
}
