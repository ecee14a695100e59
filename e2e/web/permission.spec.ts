/**
 * Camera access refused: the add-camera dialog says so in words instead of listing nothing.
 * This browser has fake cameras but no fake permission prompt, and Playwright's context grants
 * nothing, so getUserMedia is refused as a user's "Block" would be.
 */
import { expect, test } from '../support/fixtures';

test.use({ browserOptions: { denyCameras: true } });

test('a refused camera permission is explained in the dialog', async ({ dashboard: page }, testInfo) => {
  await page.getByTestId('add-camera').click();
  const error = page.getByTestId('device-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText('Camera access was denied');
  await testInfo.attach('permission-denied.png', { body: await page.screenshot(), contentType: 'image/png' });
});
