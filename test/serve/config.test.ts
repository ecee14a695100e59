/** Serve mode with a broken configuration file, and on a non-loopback address. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src/shared/contracts/engine-api';
import { startServe, TestClient, type ServeProcess } from './helpers';
import { LEVEL } from '../support/log-capture';

let serve: ServeProcess | undefined;
afterEach(() => serve?.kill());

describe('serve mode configuration', () => {
  it('moves a corrupt config aside, starts with defaults and tells the page', async () => {
    serve = await startServe('{"cameras": [ {"name": "Front", ');
    const backups = readdirSync(path.dirname(serve.configFile)).filter((n) => /^config\.corrupt-.+\.json$/.test(n));
    expect(backups).toHaveLength(1);
    // The notice is logged too, at its level.
    expect(serve.records().some((r) => r.level >= LEVEL.warn && r.msg.includes('configuration was corrupt'))).toBe(true);
    const client = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    const notice = await client.waitFor((m) => m.kind === 'event' && m.event.type === 'notice', 'notice');
    const message = ((notice as { event: ApiEvent }).event as Extract<ApiEvent, { type: 'notice' }>).notice.message;
    expect(message).toMatch(/configuration was corrupt; saved aside as .*config\.corrupt-.+\.json; started with defaults/);
    const config = await client.request({ method: 'getConfig' });
    expect(config).toMatchObject({ ok: true, value: { cameras: [] } });
    await client.close();
    expect(await serve.terminate()).toBe(0);
  }, 40_000);

  it('warns when it listens beyond loopback', async () => {
    serve = await startServe({ cameras: [] }, ['--host', '0.0.0.0']);
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(serve.records().some((r) => r.level === LEVEL.warn && /not on loopback/.test(r.msg))).toBe(true);
    expect(await serve.terminate()).toBe(0);
  }, 40_000);
});
