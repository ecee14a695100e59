/**
 * The tile's event count is the engine's: the number of stored events for that camera, the same
 * after a reload (before, it counted only the events that started while the page was open).
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { REPO_ROOT } from '../support/chromium';
import { expect, SLOW, test, tile } from '../support/fixtures';
import type { ServeHandle } from '../support/serve';

const clip = path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
test.use({ serveOptions: { config: { cameras: [{ id: 'door', name: 'Door', source: { kind: 'file', path: clip, loop: true } }] } } });

async function storedCount(serve: ServeHandle): Promise<number> {
  const res = await fetch(`${serve.origin}/api/events?camera=door&limit=500`, { headers: { Authorization: `Bearer ${serve.token}` } });
  return ((await res.json()) as { events: unknown[] }).events.length;
}

/** The tile's count and the stored one, read together; polled until they agree. */
async function agree(page: Page, serve: ServeHandle): Promise<string> {
  const shown = await tile(page, 'Door').getByTestId('event-count').getAttribute('data-total');
  const stored = await storedCount(serve);
  return stored > 0 && shown === String(stored) ? 'agree' : `tile ${shown}, stored ${stored}`;
}

test('the tile counts the stored events, and still does after a reload', async ({ openDashboard, serve }) => {
  // The camera runs before any page opens: its first event is stored before this page sees it start.
  await expect.poll(() => storedCount(serve), { timeout: 3 * SLOW }).toBeGreaterThan(0);
  const page = await openDashboard();
  await expect.poll(() => agree(page, serve), { timeout: SLOW }).toBe('agree');
  await page.reload();
  await expect(page.getByTestId('connection')).toContainText('connected');
  await expect.poll(() => agree(page, serve), { timeout: SLOW }).toBe('agree');
  await expect(tile(page, 'Door').getByTestId('event-count')).toContainText(/^\d+ events/);
});
