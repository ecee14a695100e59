/**
 * The desktop app itself, through Playwright's Electron driver: the same dashboard, with frames
 * over MessagePorts instead of a WebSocket. Needs the Electron runtime, which cannot be downloaded
 * on every machine: without it these tests are skipped (with the reason), never failed.
 *
 * Electron's own package would try to download the runtime when required without it, so this only
 * looks for the file its path.txt names.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { REPO_ROOT } from '../support/chromium';

const require = createRequire(import.meta.url);
const MAIN = path.join(REPO_ROOT, 'out', 'main', 'index.js');

function electronBinary(): { path: string | null; why: string } {
  let dir: string;
  try {
    dir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: null, why: 'the electron package is not installed (npm ci)' };
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = path.join(dir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const binary = override ? path.join(override, relative || 'electron') : relative ? path.join(dir, 'dist', relative) : '';
  if (!binary || !existsSync(binary)) {
    return {
      path: null,
      why: `${binary || path.join(dir, 'dist')} does not exist (its download was skipped or blocked; run \`node node_modules/electron/install.js\` where the network allows, or set ELECTRON_OVERRIDE_DIST_PATH)`,
    };
  }
  return { path: binary, why: '' };
}

const runtime = electronBinary();

test.describe('desktop app', () => {
  test.skip(!runtime.path, `Electron runtime not installed: ${runtime.why}`);
  test.skip(!!runtime.path && !existsSync(MAIN), `The desktop app is not built: ${MAIN} is missing (run npm run build)`);

  let app: ElectronApplication;
  let page: Page;
  let home: string;

  test.beforeAll(async () => {
    // A fresh user-data folder per run: the config lives in $XDG_CONFIG_HOME/multicam-recognition on Linux.
    home = mkdtempSync(path.join(tmpdir(), 'multicam-electron-'));
    app = await electron.launch({
      executablePath: runtime.path!,
      args: [MAIN, '--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream=device-count=4'],
      env: { ...process.env, XDG_CONFIG_HOME: home, ELECTRON_ENABLE_LOGGING: '1' },
      timeout: 60_000,
    });
    page = await app.firstWindow();
  });

  test.afterAll(async () => {
    await app?.close().catch(() => undefined);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('the window shows the dashboard and runs a camera', async ({}, testInfo) => {
    test.setTimeout(180_000);
    await expect(page.getByTestId('connection')).toContainText('desktop');
    await page.getByTestId('add-camera').click();
    const dialog = page.getByTestId('camera-dialog');
    await dialog.getByTestId('camera-name-input').fill('Desk 0');
    await expect(dialog.getByTestId('device-select').locator('option').first()).not.toHaveText(/Looking for cameras/);
    await dialog.getByTestId('device-select').selectOption({ label: 'fake_device_0' });
    await dialog.getByTestId('camera-dialog-submit').click();
    const tile = page.locator('[data-testid="camera-tile"][data-camera-name="Desk 0"]');
    await expect(tile.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: 90_000 });
    await expect.poll(async () => Number(await tile.getByTestId('ips').getAttribute('data-value')), { timeout: 90_000 }).toBeGreaterThan(0);
    await testInfo.attach('desktop.png', { body: await page.screenshot(), contentType: 'image/png' });
  });
});
