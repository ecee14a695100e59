/**
 * Camera access refused: the add-camera dialog says so in words instead of listing nothing.
 * This browser has fake cameras but no fake permission prompt, and Playwright's context grants
 * nothing, so getUserMedia is refused as a user's "Block" would be.
 */
import { findChromium } from '../support/chromium';
import { expect, test } from '../support/fixtures';

test.use({ browserOptions: { denyCameras: true } });

test('a refused camera permission is explained in the dialog', async ({ dashboard: page }, testInfo) => {
  // @sparticuz/chromium's headless shell has no permission prompt to refuse: without the fake UI
  // its getUserMedia answers NotSupportedError, not the NotAllowedError a user's Block gives.
  const { source } = await findChromium();
  test.skip(source.startsWith('@sparticuz/chromium'), `${source} cannot refuse a camera permission as a user would (getUserMedia: NotSupportedError); run with the system's Chromium`);
  await page.getByTestId('add-camera').click();
  const error = page.getByTestId('device-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText('Camera access was denied');
  await testInfo.attach('permission-denied.png', { body: await page.screenshot(), contentType: 'image/png' });
});
