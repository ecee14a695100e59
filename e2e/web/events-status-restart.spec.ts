/**
 * Settings → Events after serve mode restarts under an open page: the page reconnects by itself
 * and asks the events status again, so it says where events are stored and that MQTT is
 * connected (before, whatever the old server said last, "Not stored" or "MQTT: off", stayed).
 * Its own serve mode (restarted on the same port with the same data folder) and a real broker.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBroker, type Broker } from '../../test/support/mqtt-broker';
import { launchServe, type LaunchedServe } from '../../test/support/serve-process';
import { expect, SLOW, test } from '../support/fixtures';

let broker: Broker | null = null;
let serve: LaunchedServe | null = null;
let dir = '';

test.afterAll(async () => {
  if (serve) {
    serve.killGroup('SIGKILL');
    await serve.exited;
  }
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(configFile: string, port: number): Promise<LaunchedServe> {
  return launchServe({ configFile, args: ['--port', String(port)], env: { XDG_CONFIG_HOME: dir }, startTimeoutMs: SLOW });
}

test('the events status is asked again when serve mode comes back', async ({ browser }) => {
  test.setTimeout(4 * SLOW);
  broker = await startBroker();
  dir = mkdtempSync(path.join(tmpdir(), 'multicam-e2e-restart-'));
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ cameras: [], events: { mqtt: { url: broker.url, prefix: 'restart' } } }));
  serve = await start(configFile, 0);
  const url = new URL(serve.url);

  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(serve.url);
    await expect(page.getByTestId('connection')).toContainText('connected');
    await page.getByTestId('open-settings').click();
    const storage = page.getByTestId('events-storage');
    const mqtt = page.getByTestId('mqtt-status');
    await expect(storage).toContainText('Stored in', { timeout: SLOW });
    await expect(mqtt).toHaveText(/^MQTT: connected/, { timeout: SLOW });

    // Serve mode stops (its shutdown closes the store and the broker connection) and comes back.
    serve.killGroup('SIGTERM');
    await serve.exited;
    await expect(page.getByTestId('app')).not.toHaveAttribute('data-connection', 'open', { timeout: SLOW });
    serve = await start(configFile, Number(url.port));
    await expect(page.getByTestId('connection')).toContainText('connected', { timeout: SLOW });

    await expect(storage).toContainText('Stored in', { timeout: SLOW });
    await expect(mqtt).toHaveText(/^MQTT: connected/, { timeout: SLOW });
  } finally {
    await context.close();
  }
});
