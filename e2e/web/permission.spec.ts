/**
 * Camera access refused: the add-camera dialog says so in words instead of listing nothing.
 * This browser has fake cameras but no fake permission prompt, and Playwright's context grants
 * nothing, so getUserMedia is refused as a user's "Block" would be.
 */
import type { Browser } from '@playwright/test';
import { chromiumArgs, chromiumExecutable, MISSING_CHROMIUM } from '../support/chromium';
import { expect, test } from '../support/fixtures';
import { startServe, type ServeHandle } from '../support/serve';

let serve: ServeHandle;
let browser: Browser;

test.beforeAll(async ({ playwright }) => {
  const executablePath = chromiumExecutable();
  if (!executablePath) throw new Error(MISSING_CHROMIUM);
  serve = await startServe();
  const args = chromiumArgs().filter((a) => a !== '--use-fake-ui-for-media-stream');
  browser = await playwright.chromium.launch({ executablePath, args });
});

test.afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

test('a refused camera permission is explained in the dialog', async ({}, testInfo) => {
  const context = await browser.newContext({ permissions: [] });
  const page = await context.newPage();
  await page.goto(serve.url);
  await expect(page.getByTestId('connection')).toContainText('connected');
  await page.getByTestId('add-camera').click();
  const error = page.getByTestId('device-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText('Camera access was denied');
  await testInfo.attach('permission-denied.png', { body: await page.screenshot(), contentType: 'image/png' });
  await context.close();
});
