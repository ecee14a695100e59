/** Serve mode with a broken configuration file, and on a non-loopback address. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src/shared/contracts/engine-api';
import { spawnSync } from 'node:child_process';
import { ROOT, startServe, TestClient, type ServeProcess } from './helpers';
import { serveCommand } from '../support/serve-process';
import { tempDir } from '../support/tmp';
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

  it('refuses plain HTTP beyond loopback unless --insecure-http is given, and then warns', async () => {
    // Without TLS or the flag: no server, exit 2, and the reason.
    const [command, args] = await serveCommand(['--port', '0', '--host', '0.0.0.0', '--config', path.join(tempDir('multicam-serve-'), 'config.json')]);
    const refused = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/refusing to listen on every interface over plain HTTP.*--tls-cert FILE --tls-key FILE, or --insecure-http/);
    serve = await startServe({ cameras: [] }, ['--host', '0.0.0.0', '--insecure-http']);
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(serve.records().some((r) => r.level === LEVEL.warn && /not on loopback, over plain HTTP \(--insecure-http\)/.test(r.msg))).toBe(true);
    expect(await serve.terminate()).toBe(0);
  }, 90_000);
});
