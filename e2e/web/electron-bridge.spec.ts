/**
 * The renderer's Electron bridge without Electron: a MOCK preload (e2e/support/mock-preload-page.ts)
 * gives the page `window.multicam` and per-camera MessagePorts, backed by serve mode's engine.
 * The page must pick the desktop bridge, send frames over the ports and show results from them,
 * capture the same worker again over new ports after a reload, and answer a face event's snapshot
 * request over its port with the full-size picture.
 */
import { FACE_VIDEO } from '../support/chromium';
import { mockPreloadScript, type MockPreloadCounters } from '../support/mock-preload';
import { addWebcam, expect, expectLive, panelIps, panelPid, SLOW, test, tile } from '../support/fixtures';
import { newestSnapshotSize, processAlive } from '../support/serve';

/** The page with the mock preload, ready once it says it talks to the desktop engine. */
const desktop = () => ({ initScript: mockPreloadScript(), connection: 'desktop' });

test('with window.multicam the page uses the desktop bridge and MessagePorts', async ({ openDashboard }, testInfo) => {
  const page = await openDashboard(desktop());
  // The first requests were refused (engine not up yet); the page retried quietly and has its models.
  await expect(page.getByTestId('grid-empty')).toBeVisible();
  await page.getByTestId('add-camera').click();
  await expect(page.getByTestId('model-select').locator('option').first()).not.toHaveText(/Loading models/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  const counters = () => page.evaluate(() => (globalThis as unknown as { __mockPreload: MockPreloadCounters }).__mockPreload);
  expect((await counters()).refusedEarly).toBe(3);
  await expect(page.getByTestId('notice')).toHaveCount(0);

  await addWebcam(page, 'Port cam', 'fake_device_2');
  await expectLive(page, 'Port cam');
  await expect.poll(async () => Number(await tile(page, 'Port cam').getByTestId('ips').getAttribute('data-value')), { timeout: SLOW }).toBeGreaterThan(0);
  const seen = await counters();
  expect(seen.portsSent).toBeGreaterThan(0);
  expect(seen.framesOverPorts).toBeGreaterThan(0);
  expect(seen.resultsOverPorts).toBeGreaterThan(0);
  // A camera whose model does not exist (as a hand-edited config could say) shows the engine's error on its tile.
  await page.evaluate(async () => {
    const g = globalThis as unknown as { multicam: { request(r: unknown): Promise<unknown> } };
    await g.multicam.request({ method: 'addCamera', camera: { name: 'Bad model', source: { kind: 'image', url: 'data:,' }, model: 'no-such-model' } });
  });
  const state = tile(page, 'Bad model').getByTestId('camera-state');
  await expect(state).toHaveAttribute('data-state', 'error', { timeout: SLOW });
  await expect(state).toContainText('no-such-model');
  // The first camera is not disturbed.
  await expect(tile(page, 'Port cam').getByTestId('camera-state')).toHaveAttribute('data-state', 'running');
  await testInfo.attach('desktop-bridge.png', { body: await page.screenshot(), contentType: 'image/png' });
});

test('a reloaded page gets new ports to the same worker and captures it again', async ({ openDashboard, serve }) => {
  const page = await openDashboard(desktop());
  await addWebcam(page, 'Reload cam', 'fake_device_1');
  await expectLive(page, 'Reload cam');
  const id = serve.config().cameras.find((c) => c.name === 'Reload cam')?.id;
  expect(id).toBeTruthy();
  await expect.poll(() => panelIps(page, id!), { timeout: SLOW }).toBeGreaterThan(0);
  const pid = await panelPid(page, id!);
  expect(pid).not.toBeNull();

  await page.reload();
  // The mock preload starts again with the page: its counters are the new page's.
  const counters = () => page.evaluate(() => (globalThis as unknown as { __mockPreload: MockPreloadCounters }).__mockPreload);
  await expectLive(page, 'Reload cam');
  await expect.poll(async () => (await counters()).resultsOverPorts, { timeout: SLOW, message: 'results over the new ports' }).toBeGreaterThan(0);
  await expect.poll(() => panelIps(page, id!), { timeout: SLOW }).toBeGreaterThan(0);
  expect(await panelPid(page, id!)).toBe(pid);
  expect(processAlive(pid!)).toBe(true);
});

test.describe('with the face clip as the camera', () => {
  test.use({ browserOptions: { fakeVideo: FACE_VIDEO } });

  test("over the port, a webcam's face event gets the page's full-size picture", async ({ openDashboard, serve }) => {
    const page = await openDashboard(desktop());
    await addWebcam(page, 'Port face', null);
    await expectLive(page, 'Port face');
    const id = serve.config().cameras.find((c) => c.name === 'Port face')?.id;
    expect(id).toBeTruthy();
    await expect.poll(() => newestSnapshotSize(serve, id!), { timeout: SLOW, message: "the event's snapshot is the page's picture" }).toBe('640x480');
    const counters = await page.evaluate(() => (globalThis as unknown as { __mockPreload: MockPreloadCounters }).__mockPreload);
    expect(counters.snapshotsOverPorts).toBeGreaterThan(0);
  });
});
