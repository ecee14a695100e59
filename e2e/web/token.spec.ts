/**
 * Serve mode's token stays with serve mode's own origin: the page takes ?token= out of its address
 * at once (so the history keeps none), keeps it in sessionStorage, and sends it only as a header or
 * a WebSocket subprotocol. No cookie: cookies ignore ports, so a cookie set by serve mode on
 * 127.0.0.1 went to every other server on 127.0.0.1 the browser visited. Here a second HTTP server
 * on another port of 127.0.0.1 records what it receives.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '../support/fixtures';

test("the token reaches no other port of 127.0.0.1 and leaves the page's address", async ({ openDashboard, serve }) => {
  const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  const other = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    response.setHeader('Content-Type', 'text/html');
    response.end('<!doctype html><title>another local service</title><p>other</p>');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  try {
    // Opened with serve's URL (?token=...), connected.
    const page = await openDashboard();
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    expect(page.url()).not.toContain(serve.token);
    expect((await page.context().cookies()).map((c) => c.name)).toEqual([]);

    // A reload (no token in the address now) connects again with the token the tab kept.
    await page.reload();
    await expect(page.getByTestId('connection')).toContainText('connected');
    expect(page.url()).not.toContain(serve.token);

    // The page goes to the other server, and the same browser opens it in another tab.
    await page.evaluate((url) => {
      (globalThis as unknown as { location: { href: string } }).location.href = url;
    }, `${otherOrigin}/from-the-dashboard`);
    await expect(page.getByText('other')).toBeVisible();
    const tab = await page.context().newPage();
    await tab.goto(`${otherOrigin}/another-tab`);
    // (Chromium asks for /favicon.ico too: those requests are checked as well.)
    await expect.poll(() => seen.map((s) => s.url).filter((u) => u !== '/favicon.ico').sort()).toEqual(['/another-tab', '/from-the-dashboard']);
    for (const { url, headers } of seen) {
      expect(headers.cookie, url).toBeUndefined();
      expect(headers.authorization, url).toBeUndefined();
      expect(JSON.stringify({ url, headers }), url).not.toContain(serve.token);
    }
  } finally {
    await new Promise((resolve) => other.close(resolve));
  }
});
