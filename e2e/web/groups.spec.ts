/**
 * Camera groups (as Frigate 0.14 has them): made in the grid's header, saved in the engine's
 * configuration, chosen there (the choice survives a reload), and used by the Events filter.
 * Three file cameras on the face clip, each making face events.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { REPO_ROOT } from '../support/chromium';
import { expect, SLOW, test, tile } from '../support/fixtures';

const clip = path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
const camera = (id: string, name: string) => ({ id, name, source: { kind: 'file', path: clip, loop: true }, maxFps: 5 });
test.use({ serveOptions: { config: { cameras: [camera('porch', 'Porch'), camera('yard', 'Yard'), camera('back', 'Back')] } } });

const visibleTiles = (page: Page) => page.locator('.grid-cell:not([hidden]) [data-testid="camera-tile"]');

test('a group made in the header shows its cameras, is saved, and filters the events', async ({ dashboard: page, serve }) => {
  await expect(page.getByTestId('camera-tile')).toHaveCount(3);
  await expect(visibleTiles(page)).toHaveCount(3);

  await page.getByTestId('group-new').click();
  const editor = page.getByTestId('group-editor');
  await editor.getByTestId('group-name-input').fill('Front');
  await editor.locator('[data-testid="group-camera"][data-camera-id="porch"]').check();
  await editor.locator('[data-testid="group-camera"][data-camera-id="yard"]').check();
  await editor.getByTestId('group-save').click();
  await expect(editor).toHaveCount(0);

  // Shown: the group's cameras only; the others stay mounted, hidden.
  await expect(page.getByTestId('group-select')).toHaveValue('Front');
  await expect(visibleTiles(page)).toHaveCount(2);
  await expect(tile(page, 'Back')).toBeHidden();
  await expect(page.getByTestId('camera-tile')).toHaveCount(3);
  const saved = JSON.parse(readFileSync(serve.configFile, 'utf8')) as { groups?: unknown };
  expect(saved.groups).toEqual([{ name: 'Front', cameras: ['porch', 'yard'] }]);

  // A second group by the same name (in another case) is refused, with the reason.
  await page.getByTestId('group-new').click();
  await editor.getByTestId('group-name-input').fill('front');
  await editor.getByTestId('group-save').click();
  await expect(editor.getByTestId('group-error')).toContainText('same name');
  await editor.getByRole('button', { name: 'Cancel' }).click();

  // A reload keeps the choice (this browser's) and the group (the engine's).
  await page.reload();
  await expect(page.getByTestId('connection')).toContainText('connected');
  await expect(page.getByTestId('group-select')).toHaveValue('Front');
  await expect(visibleTiles(page)).toHaveCount(2);

  // The Events view opens on the group: every event is a Porch or Yard one, until "all cameras".
  await page.getByTestId('view-events').click();
  await expect(page.getByTestId('events-filter-group')).toHaveValue('Front');
  const rows = page.getByTestId('event-row');
  await expect(rows.first()).toBeVisible({ timeout: SLOW });
  await expect.poll(async () => new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-camera')))).size, { timeout: SLOW }).toBe(2);
  expect(new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-camera'))))).toEqual(new Set(['porch', 'yard']));
  await page.getByTestId('events-filter-group').selectOption('');
  await expect(page.locator('[data-testid="event-row"][data-camera="back"]').first()).toBeVisible({ timeout: SLOW });

  // Edited to Porch alone, then deleted: every camera again.
  await page.getByTestId('view-cameras').click();
  await page.getByTestId('group-edit').click();
  await editor.locator('[data-testid="group-camera"][data-camera-id="yard"]').uncheck();
  await editor.getByTestId('group-save').click();
  await expect(visibleTiles(page)).toHaveCount(1);
  await expect(tile(page, 'Porch')).toBeVisible();
  await page.getByTestId('group-edit').click();
  await editor.getByTestId('group-delete').click();
  await expect(page.getByTestId('group-select')).toHaveValue('');
  await expect(visibleTiles(page)).toHaveCount(3);
  expect((JSON.parse(readFileSync(serve.configFile, 'utf8')) as { groups?: unknown }).groups).toEqual([]);
});
