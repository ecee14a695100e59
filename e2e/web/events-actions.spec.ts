/**
 * The Events view's actions against serve mode and its face clip camera: an empty filter result
 * says so (not "No events yet."), Escape closes the open event, and Delete greys the row in place
 * with an Undo toast; the engine deletes the event only once the toast has gone.
 */
import path from 'node:path';
import { REPO_ROOT } from '../support/chromium';
import { expect, SLOW, test } from '../support/fixtures';

const clip = path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
test.use({ serveOptions: { config: { cameras: [{ id: 'porch', name: 'Porch', source: { kind: 'file', path: clip, loop: true } }] } } });

test('an empty filter result says that no event matches', async ({ dashboard: page }) => {
  await page.getByTestId('view-events').click();
  await expect(page.getByTestId('event-row').first()).toBeVisible({ timeout: SLOW });
  await page.getByTestId('events-filter-label').fill('no-such-label');
  await expect(page.getByTestId('event-row')).toHaveCount(0);
  await expect(page.getByTestId('events-end')).toHaveText('No events match these filters.');
  await page.getByTestId('events-filter-label').fill('');
  await expect(page.getByTestId('event-row').first()).toBeVisible();
});

test('Escape closes the open event', async ({ dashboard: page }) => {
  await page.getByTestId('event-row').first().getByTestId('event-open').click();
  await expect(page.getByTestId('event-modal')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('event-modal')).toHaveCount(0);
  await expect(page.getByTestId('events-view')).toBeVisible();
});

test('Delete greys the row in place, Undo keeps the event, and the engine deletes it only after the toast', async ({ dashboard: page, serve }) => {
  const exists = async (id: string): Promise<boolean> => {
    const res = await fetch(`${serve.origin}/api/events?camera=porch&limit=500`, { headers: { Authorization: `Bearer ${serve.token}` } });
    const body = (await res.json()) as { events: Array<{ id: string }> };
    return body.events.some((e) => e.id === id);
  };
  const first = page.getByTestId('event-row').first();
  await expect(first).toBeVisible({ timeout: SLOW });
  const id = (await first.getAttribute('data-event-id'))!;
  const row = page.locator(`[data-testid="event-row"][data-event-id="${id}"]`);
  const before = await row.getByTestId('event-delete').boundingBox();
  const toast = page.locator(`[data-testid="undo-toast"][data-event-id="${id}"]`);
  // Read while the toast shows: as long as it does, nothing was sent (on a slow machine it may have run out already).
  const keptWhileToast = async (): Promise<boolean> => {
    const existed = await exists(id);
    return existed || !(await toast.isVisible());
  };

  await row.getByTestId('event-delete').click();
  await expect(row).toHaveAttribute('data-deleting', 'true');
  await expect(toast).toBeVisible();
  expect(await keptWhileToast()).toBe(true);
  // The row stays where it was, greyed: no other row's button slides under the pointer.
  expect(await row.getByTestId('event-delete').boundingBox()).toEqual(before);
  await expect(row.getByTestId('event-delete')).toBeDisabled();

  await toast.getByTestId('undo-delete').click();
  await expect(toast).toHaveCount(0);
  await expect(row).toHaveAttribute('data-deleting', 'false');
  await expect(row.getByTestId('event-delete')).toBeEnabled();
  expect(await exists(id)).toBe(true);

  // Again, and this time the toast runs out: the row goes and so does the event in the engine.
  await row.getByTestId('event-delete').click();
  await expect(toast).toBeVisible();
  expect(await keptWhileToast()).toBe(true);
  await expect(toast).toHaveCount(0, { timeout: SLOW });
  await expect(row).toHaveCount(0);
  await expect.poll(() => exists(id), { timeout: SLOW }).toBe(false);
});
