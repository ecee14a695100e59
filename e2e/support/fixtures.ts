/**
 * The web project's fixtures.
 * - `browser` (worker): the Chromium findChromium() gives (chromium.ts; never a download), four fake cameras.
 * - `serve`: the spec file's serve mode (e2e/support/serve.ts), started by its first test and kept
 *   for the file's other tests (see per-file.ts); `test.use({ serveOptions })` sets its config,
 *   arguments and environment. Its log is attached to every test that used it.
 * - `dashboardBrowser`: the worker's browser, or the file's own when `browserOptions` asks for a
 *   face clip as the fake camera or for camera access refused.
 * - `dashboard`: the file's dashboard page, opened with the token and connected, kept for the
 *   file's tests (stories run in order on one page); a screenshot and its console after each test.
 * - `openDashboard()`: one more page in a fresh context (closed after the test), for a test that
 *   needs its own: an init script, a route set before the page loads, a second viewer.
 * Helpers drive the dashboard through its data-testid attributes.
 */
import { test as base, expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { chromiumArgs, chromiumEnv, findChromium } from './chromium';
import { playableMjpeg, removePlayable } from './fake-camera';
import { PerFile, type FilePage } from './per-file';
import type { ServeHandle, ServeStartOptions } from './serve';

export interface BrowserOptions {
  /** A clip Chromium plays as every fake camera (re-encoded first, see fake-camera.ts). */
  fakeVideo?: string;
  /** Camera access refused, as a user's "Block" would: no fake permission prompt, no permission granted. */
  denyCameras?: boolean;
}

export interface DashboardOptions {
  viewport?: { width: number; height: number };
  /** A script that runs in the page before the page's own (the mock preload). */
  initScript?: string;
  /** What the connection indicator says once the page is ready: 'connected' (serve's WebSocket) or 'desktop'. */
  connection?: string;
}

export interface OpenOptions extends DashboardOptions {
  /** Runs on the fresh context before the page loads (routes, for one). */
  prepare?: (context: BrowserContext) => Promise<void>;
}

interface TestFixtures {
  serveOptions: ServeStartOptions;
  browserOptions: BrowserOptions;
  dashboardOptions: DashboardOptions;
  serve: ServeHandle;
  dashboardBrowser: Browser;
  dashboard: Page;
  openDashboard: (options?: OpenOptions) => Promise<Page>;
  fileScope: void;
}

interface WorkerFixtures {
  browser: Browser;
  perFile: PerFile;
}

const DEFAULT_VIEWPORT = { width: 1280, height: 900 };
/** Each set-up fixture's own time (serve mode, a browser, the first page load), apart from the test's. */
const SETUP_TIMEOUT = 120_000;

/** Opens the dashboard with the token in a fresh context of `browser` and waits for it to be connected. */
async function openPage(browser: Browser, serve: ServeHandle, options: OpenOptions = {}): Promise<FilePage> {
  // A fresh context grants no permission: with denyCameras (no fake prompt either), getUserMedia is refused.
  const context = await browser.newContext({ viewport: options.viewport ?? DEFAULT_VIEWPORT });
  try {
    if (options.initScript) await context.addInitScript({ content: options.initScript });
    await options.prepare?.(context);
    const page = await context.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
    await page.goto(serve.url);
    await expect(page.getByTestId('connection')).toContainText(options.connection ?? 'connected');
    return { page, context, consoleLines };
  } catch (err) {
    await context.close();
    throw err;
  }
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  browser: [
    async ({ playwright }, use) => {
      const { executablePath } = await findChromium();
      const browser = await playwright.chromium.launch({ executablePath, args: chromiumArgs(), env: chromiumEnv() });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  perFile: [
    async ({}, use) => {
      const perFile = new PerFile();
      await use(perFile);
      await perFile.release();
    },
    { scope: 'worker' },
  ],
  fileScope: [
    async ({ perFile }, use, testInfo) => {
      await perFile.enter(testInfo.file);
      await use();
    },
    { auto: true },
  ],
  serveOptions: [{}, { option: true }],
  browserOptions: [{}, { option: true }],
  dashboardOptions: [{}, { option: true }],
  // Set-up has its own time (as a beforeAll had), not the test's: starting serve mode on a busy machine takes a while.
  serve: [
    async ({ perFile, serveOptions }, use, testInfo) => {
      const serve = await perFile.serveFor(serveOptions);
      await use(serve);
      await testInfo.attach('serve.log', { body: serve.log(), contentType: 'text/plain' });
    },
    { timeout: SETUP_TIMEOUT },
  ],
  dashboardBrowser: [
    async ({ browser, perFile, playwright, browserOptions }, use) => {
      if (!browserOptions.fakeVideo && !browserOptions.denyCameras) {
        await use(browser);
        return;
      }
      const own = await perFile.browserFor(JSON.stringify(browserOptions), async () => {
        const { executablePath } = await findChromium();
        const video = browserOptions.fakeVideo ? playableMjpeg(browserOptions.fakeVideo) : null;
        const extra = video ? [`--use-file-for-fake-video-capture=${video}`] : [];
        let args = chromiumArgs(extra);
        if (browserOptions.denyCameras) args = args.filter((a) => a !== '--use-fake-ui-for-media-stream');
        const cleanup = () => {
          if (video) removePlayable(video);
        };
        try {
          return { browser: await playwright.chromium.launch({ executablePath, args, env: chromiumEnv() }), cleanup };
        } catch (err) {
          cleanup();
          throw err;
        }
      });
      await use(own);
    },
    { timeout: SETUP_TIMEOUT },
  ],
  dashboard: [
    async ({ perFile, serve, dashboardBrowser, dashboardOptions }, use, testInfo) => {
      const key = JSON.stringify({ url: serve.url, dashboardOptions });
      const kept = await perFile.pageFor(key, () => openPage(dashboardBrowser, serve, dashboardOptions));
      await use(kept.page);
      if (!kept.page.isClosed()) {
        await testInfo.attach(`${testInfo.title}.png`, { body: await kept.page.screenshot({ fullPage: true }), contentType: 'image/png' });
      }
      await testInfo.attach('console.log', { body: kept.consoleLines.join('\n'), contentType: 'text/plain' });
    },
    { timeout: SETUP_TIMEOUT },
  ],
  openDashboard: async ({ serve, dashboardBrowser }, use) => {
    const opened: FilePage[] = [];
    await use(async (options) => {
      const one = await openPage(dashboardBrowser, serve, options);
      opened.push(one);
      return one.page;
    });
    for (const { context } of opened) await context.close().catch(() => undefined);
  },
});

export { expect };

/** Generous: four interpreters and a browser share two cores. */
export const SLOW = 90_000;

export function tile(page: Page, name: string): Locator {
  return page.locator(`[data-testid="camera-tile"][data-camera-name="${name}"]`);
}

export async function addWebcam(page: Page, name: string, deviceLabel: string | null): Promise<void> {
  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('camera-name-input').fill(name);
  const select = dialog.getByTestId('device-select');
  // The list fills in once the page may use the cameras (labels are hidden before that).
  await expect(select.locator('option').first()).not.toHaveText(/Looking for cameras/, { timeout: 30_000 });
  if (deviceLabel) await select.selectOption({ label: deviceLabel });
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await expect(tile(page, name)).toBeVisible({ timeout: 30_000 });
}

/** Waits for the tile to say running and its <video> to be playing with real frames. */
export async function expectLive(page: Page, name: string, timeout = SLOW): Promise<void> {
  const t = tile(page, name);
  await expect(t.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout });
  await expect
    .poll(
      () =>
        t.locator('video').evaluate((element) => {
          // Runs in the page; this project's types have no DOM, so say what is read.
          const v = element as unknown as { readyState: number; videoWidth: number; paused: boolean; currentTime: number };
          return v.readyState >= 2 && v.videoWidth > 0 && !v.paused && v.currentTime > 0;
        }),
      { timeout, message: `${name}: video playing` },
    )
    .toBe(true);
}

/** The page's document, typed just enough for code passed to page.waitForFunction / evaluate. */
export interface PageDocument {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
}

export async function panelPid(page: Page, cameraId: string): Promise<number | null> {
  const text = await page.locator(`[data-testid="panel-row"][data-camera-id="${cameraId}"]`).getAttribute('data-pid');
  return text ? Number(text) : null;
}

export async function panelIps(page: Page, cameraId: string): Promise<number> {
  const value = await page
    .locator(`[data-testid="panel-row"][data-camera-id="${cameraId}"] [data-testid="panel-ips"]`)
    .getAttribute('data-value');
  return Number(value ?? 0);
}
