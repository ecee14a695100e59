/**
 * Events in Chromium against serve mode: a file camera on the face clip makes a face event; the
 * Events view lists it with its thumbnail, and clicking it shows the snapshot with the box. The
 * screenshot in the README (docs/events.png) is taken here.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/chromium';
import { expect, SLOW, test } from '../support/fixtures';

const clip = path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
test.use({ serveOptions: { config: { cameras: [{ id: 'porch', name: 'Porch', source: { kind: 'file', path: clip, loop: true } }] } } });

test('the Events view lists the face event with its thumbnail; clicking it shows the snapshot', async ({ dashboard: page }) => {
  // The camera runs whether or not a page watches: its event may have started before this page came.
  await expect(page.getByTestId('camera-tile')).toHaveCount(1);
  await page.getByTestId('view-events').click();
  const row = page.getByTestId('event-row').first();
  await expect(row).toBeVisible({ timeout: SLOW });
  // The label is a lowercase key; the page shows it capitalised.
  await expect(row).toHaveAttribute('data-label', 'face');
  await expect(row.locator('strong').first()).toHaveText('Face');
  await expect(row).toContainText('Porch');
  const thumb = row.locator('img.event-thumb');
  await expect.poll(() => thumb.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth), { timeout: SLOW }).toBeGreaterThan(0);

  await row.getByTestId('event-open').click();
  const snapshot = page.getByTestId('event-snapshot');
  await expect(snapshot).toBeVisible();
  await expect.poll(() => snapshot.evaluate((element) => {
    const img = element as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number };
    return img.complete && [img.naturalWidth, img.naturalHeight].join('x');
  }), { timeout: SLOW }).toBe('640x480');
  await page.getByTestId('event-modal-close').click();
  await expect(page.getByTestId('event-modal')).toHaveCount(0);
  // The README's picture of the Events view: refreshed on request only, so a run leaves the tree alone.
  const shot = await page.screenshot();
  expect(shot.byteLength).toBeGreaterThan(0);
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1') writeFileSync(path.join(REPO_ROOT, 'docs', 'events.png'), shot);
});
