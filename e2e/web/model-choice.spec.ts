/**
 * Choosing a model in the camera dialog (serve mode, Chromium's fake camera): every model with
 * what it recognises, the labels a camera keeps for the objects model, saved in the configuration
 * and run by the camera's worker.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, SLOW, test, tile } from '../support/fixtures';

test('the dialog lists every model, and an objects camera keeps the labels chosen', async ({ dashboard: page, serve }) => {
  test.setTimeout(240_000);
  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await dialog.getByTestId('camera-name-input').fill('Porch');
  const models = dialog.getByTestId('model-select');
  await expect(models.locator('option').first()).not.toHaveText(/Loading models/);
  const options = await models.locator('option').allTextContents();
  for (const title of ['BlazeFace short-range', 'SSD MobileNetV2', 'Face mesh', 'Body pose', 'Other .tflite file']) expect(options.join('\n')).toContain(title);
  await models.selectOption('objects');
  await expect(dialog.getByTestId('model-recognises')).toContainText('Person, Car');
  const choice = dialog.getByTestId('label-choice');
  await expect(choice.getByLabel('Person', { exact: true })).toBeChecked();
  await expect(choice.getByLabel('Chair', { exact: true })).not.toBeChecked();
  await choice.getByLabel('Cat', { exact: true }).uncheck();
  await choice.getByLabel('Chair', { exact: true }).check();
  await models.selectOption({ label: 'Other .tflite file…' });
  await expect(dialog.getByTestId('model-path-input')).toBeVisible();
  await models.selectOption('objects');
  await expect(dialog.getByTestId('device-select').locator('option').first()).not.toHaveText(/Looking for cameras/, { timeout: 30_000 });
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await expect(tile(page, 'Porch').getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  const saved = serve.config().cameras.find((c) => c.name === 'Porch') as { model?: string; labels?: string[] } | undefined;
  expect(saved?.model).toBe('objects');
  // The defaults less Cat plus Chair, in the label map's order.
  expect(saved?.labels).toEqual(['Bicycle', 'Person', 'Chair', 'Vehicle', 'Dog', 'Car']);
});

test('a .tflite picked with the file picker is copied to the engine and runs', async ({ dashboard: page, serve }) => {
  test.setTimeout(240_000);
  // Any .tflite of the user's own: the full-range face model's file, as the user might have it.
  const require = createRequire(import.meta.url);
  const ownModel = require.resolve('@mediapipe/face_detection/face_detection_full_range.tflite');
  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await dialog.getByTestId('camera-name-input').fill('Own model');
  const models = dialog.getByTestId('model-select');
  await expect(models.locator('option').first()).not.toHaveText(/Loading models/);
  await models.selectOption({ label: 'Other .tflite file…' });
  await dialog.getByTestId('model-file-input').setInputFiles(ownModel);
  await expect(dialog.getByTestId('model-file-state')).toContainText('kept', { timeout: 30_000 });
  const chosen = await dialog.getByTestId('model-path-input').inputValue();
  expect(chosen).toMatch(/[/\\]media[/\\][0-9a-f]{64}\.tflite$/);
  await expect(dialog.getByTestId('device-select').locator('option').first()).not.toHaveText(/Looking for cameras/, { timeout: 30_000 });
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await expect(tile(page, 'Own model').getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  const saved = serve.config().cameras.find((c) => c.name === 'Own model') as { model?: string } | undefined;
  expect(saved?.model).toBe(chosen);
  // The copy is the same model, byte for byte.
  expect(readFileSync(chosen)).toEqual(readFileSync(ownModel));
});
