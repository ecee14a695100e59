/**
 * A camera's zones are drawn on its live view: each saved zone outlined over the picture, with its
 * name, placed on the frame the way the detection overlay places boxes (inside the letterboxed
 * picture), and not in the way of clicks. A zone saved from the editor appears there too.
 */
import path from 'node:path';
import { REPO_ROOT } from '../support/chromium';
import { expect, SLOW, test, tile } from '../support/fixtures';

const clip = path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
const door = { name: 'door', required: true, points: [{ x: 0.1, y: 0.1 }, { x: 0.4, y: 0.1 }, { x: 0.4, y: 0.5 }] };
const yard = { name: 'yard', required: false, points: [{ x: 0.5, y: 0.5 }, { x: 0.9, y: 0.5 }, { x: 0.9, y: 0.9 }, { x: 0.5, y: 0.9 }] };
test.use({
  serveOptions: {
    config: {
      cameras: [
        { id: 'porch', name: 'Porch', source: { kind: 'file', path: clip, loop: true }, events: { zones: [door, yard] } },
        { id: 'bare', name: 'Bare', source: { kind: 'file', path: clip, loop: true } },
      ],
    },
  },
});

test('the live view outlines and names each zone, on the picture', async ({ dashboard: page }) => {
  const porch = tile(page, 'Porch');
  await expect(porch.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  // The overlay has a result: the frame's size is known, so zones sit on the letterboxed picture.
  await expect(porch.getByTestId('overlay')).toHaveAttribute('data-frame-id', /\d+/, { timeout: SLOW });

  const outlines = porch.getByTestId('zone-outlines');
  await expect(outlines).toBeVisible();
  await expect(outlines.getByTestId('zone-shape')).toHaveCount(2);
  await expect(outlines.locator('[data-zone="door"] text')).toHaveText('door');
  await expect(outlines.locator('[data-zone="yard"] text')).toHaveText('yard');
  await expect(outlines.locator('[data-zone="door"] polygon')).toHaveClass('zone required');
  await expect(outlines.locator('[data-zone="yard"] polygon')).toHaveClass('zone');
  // A camera without zones draws none.
  await expect(tile(page, 'Bare').getByTestId('zone-outlines')).toHaveCount(0);

  // Where the yard lands: its corners at 0.5 and 0.9 of the picture (640 × 480, letterboxed in the box the overlay covers).
  const picture = (await porch.getByTestId('overlay').boundingBox())!;
  const svg = (await outlines.boundingBox())!;
  expect(svg).toEqual(picture);
  const scale = Math.min(picture.width / 640, picture.height / 480);
  const frame = { x: (picture.width - 640 * scale) / 2, y: (picture.height - 480 * scale) / 2, w: 640 * scale, h: 480 * scale };
  const points = (await outlines.locator('[data-zone="yard"] polygon').getAttribute('points'))!.split(' ').map((p) => p.split(',').map(Number));
  const expected = yard.points.map((p) => [frame.x + p.x * frame.w, frame.y + p.y * frame.h]);
  expect(points).toHaveLength(expected.length);
  points.forEach(([x, y], i) => {
    expect(Math.abs(x - expected[i][0]), `x of corner ${i}`).toBeLessThan(0.5);
    expect(Math.abs(y - expected[i][1]), `y of corner ${i}`).toBeLessThan(0.5);
  });
  // Only shown: clicks go through to the tile.
  await expect(outlines).toHaveCSS('pointer-events', 'none');
});

test('a zone saved in the editor is drawn on the live view', async ({ dashboard: page }) => {
  const bare = tile(page, 'Bare');
  await expect(bare.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  await bare.getByTestId('camera-events-open').click();
  const layer = bare.getByTestId('zone-layer');
  await expect(layer).toBeVisible();
  await bare.getByTestId('zone-draw').click();
  const box = (await layer.boundingBox())!;
  for (const [fx, fy] of [[0.3, 0.3], [0.7, 0.3], [0.5, 0.7]]) await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
  await bare.getByTestId('zone-name').fill('gate');
  await bare.getByTestId('zone-finish').click();
  await bare.getByTestId('events-save').click();
  await expect(bare.getByTestId('zone-layer')).toHaveCount(0, { timeout: 30_000 });
  const outlines = bare.getByTestId('zone-outlines');
  await expect(outlines.getByTestId('zone-shape')).toHaveCount(1);
  await expect(outlines.locator('[data-zone="gate"] text')).toHaveText('gate');
});
