/**
 * Serve mode's WebSocket drops (network blip, laptop sleep): the page says so, reconnects by
 * itself, gets a fresh frame channel and goes on feeding its camera. Playwright sits between page
 * and server (routeWebSocket) so the test can cut the connection.
 */
import type { WebSocketRoute } from '@playwright/test';
import { addWebcam, expect, expectLive, SLOW, test, tile, type PageDocument } from '../support/fixtures';

test('a dropped WebSocket reconnects and frames flow again', async ({ openDashboard, serve }, testInfo) => {
  const live: Array<{ page: WebSocketRoute; server: WebSocketRoute }> = [];
  const page = await openDashboard({
    prepare: (context) =>
      context.routeWebSocket(/\/ws$/, (ws) => {
        live.push({ page: ws, server: ws.connectToServer() });
      }),
  });
  await addWebcam(page, 'Blip', 'fake_device_1');
  await expectLive(page, 'Blip');
  const id = (await tile(page, 'Blip').getAttribute('data-camera-id'))!;
  const inferred = async (): Promise<number> => (await serve.stats()).cameras.find((c) => c.id === id)?.framesInferred ?? 0;
  await expect.poll(inferred, { timeout: SLOW }).toBeGreaterThan(0);

  const sawClosed = page.waitForFunction(
    () => (globalThis as unknown as { document: PageDocument }).document.querySelector('[data-testid="app"]')?.getAttribute('data-connection') === 'closed',
    undefined,
    { polling: 'raf', timeout: 30_000 },
  );
  const connections = live.length;
  for (const { page: toPage, server } of live) {
    await server.close();
    await toPage.close();
  }
  await sawClosed;

  await expect.poll(() => live.length, { timeout: 30_000, message: 'the page opened a new socket' }).toBeGreaterThan(connections);
  await expect(page.getByTestId('connection')).toContainText('connected');
  await expect(page.getByTestId('connection-notice')).toHaveCount(0);
  const before = await inferred();
  await expect.poll(inferred, { timeout: SLOW, message: 'frames reach the worker again' }).toBeGreaterThan(before + 5);
  await expect(tile(page, 'Blip').getByTestId('camera-state')).toHaveAttribute('data-state', 'running');
  await testInfo.attach('after-reconnect.png', { body: await page.screenshot(), contentType: 'image/png' });
});
