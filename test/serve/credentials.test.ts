/**
 * Where passwords appear: nowhere but the configuration file and the worker that opens the camera.
 * A real serve process with a config holding an RTSP URL whose user is o'brien and whose password
 * has a space, a quote and a (percent-encoded) tab, pointed at a port where nothing listens so that
 * ffmpeg's "Connection refused" names the URL; and MQTT with a password and a password in the
 * broker URL, pointed at a closed port as well. Every output is collected: the WebSocket's config
 * pushes, getConfig, the save answers, snapshots and notices, getEventsStatus, /api/stats,
 * /metrics and serve's stderr (its own lines, its workers' and their ffmpeg's). No piece of either
 * password may be in any of them, and saving what the page was shown keeps the stored passwords.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/shared/contracts/config';
import type { EventSettings } from '../../src/shared/contracts/events';
import { untilValue } from '../support/process';
import { freePort } from '../support/rtsp-server';
import { tempDir } from '../support/tmp';
import { startServe, TestClient, type ServeProcess } from './helpers';

let serve: ServeProcess | undefined;
afterEach(() => serve?.kill());

/** A piece of a password that nothing else in the output could contain by chance. */
const piece = () => `zq${Math.random().toString(36).slice(2, 9)}`;

describe('passwords in serve mode', () => {
  it('appear in no config push, answer, status, stats, metrics or log line, and a save of the masked values keeps them', async () => {
    const pieces = [piece(), piece(), piece(), piece()];
    // Space, double quote, single quote in the user, a tab (as %09: a raw one is refused), and a '%' sequence.
    const rtspPassword = `${pieces[0]} ${pieces[1]}"${pieces[2]}%09${pieces[3]}`;
    const [mqttPassword, mqttUrlPassword] = [piece(), piece()];
    const secrets = [...pieces, mqttPassword, mqttUrlPassword];
    const [rtspPort, mqttPort] = [await freePort(), await freePort()];
    const rtspUrl = `rtsp://o'brien:${rtspPassword}@127.0.0.1:${rtspPort}/s`;
    const mqttUrl = `mqtt://mquser:${mqttUrlPassword}@127.0.0.1:${mqttPort}`;
    const data = tempDir('multicam-credentials-');
    serve = await startServe(
      {
        cameras: [{ id: 'door', name: 'Door', source: { kind: 'stream', url: rtspUrl } }],
        settings: { sourceTimeoutMs: 5000 },
        events: { mqtt: { url: mqttUrl, username: 'mq', password: mqttPassword, prefix: 'multicam' } },
      },
      ['--data', data],
    );
    const outputs: Array<[string, string]> = [];
    const client = await TestClient.open(`${serve.wsBase}/ws?token=${serve.token}`);
    const headers = { authorization: `Bearer ${serve.token}` };
    const stats = async () => (await fetch(`${serve!.base}/api/stats`, { headers })).text();

    // ffmpeg has said why it cannot open the camera: the reason that names the URL is in the status.
    const statsText = await untilValue('the camera in error with "Connection refused"', async () => {
      const text = await stats();
      return /Connection refused/.test(text) ? text : false;
    }, 60_000, 250);
    outputs.push(['/api/stats', statsText]);
    const door = (JSON.parse(statsText) as { cameras: Array<{ name: string; error?: string }> }).cameras.find((c) => c.name === 'Door')!;
    // A status names a stream by scheme and host only, whatever its user and password hold.
    expect(door.error).toBe(`rtsp 127.0.0.1:${rtspPort}: Connection refused`);
    // The broker refused too: its status has an error.
    const events = await untilValue('the MQTT status with an error', async () => {
      const r = await client.request({ method: 'getEventsStatus' });
      return r.ok && (r.value as { mqtt: { error?: string } | null }).mqtt?.error ? r : false;
    }, 60_000, 250);
    outputs.push(['getEventsStatus', JSON.stringify(events)]);

    const got = await client.request({ method: 'getConfig' });
    expect(got.ok).toBe(true);
    outputs.push(['getConfig', JSON.stringify(got)]);
    const shown = (got as { value: AppConfig }).value;
    expect(shown.cameras[0].source).toEqual({ kind: 'stream', url: `rtsp://o'brien:***@127.0.0.1:${rtspPort}/s` });
    expect(shown.events?.mqtt).toMatchObject({ url: `mqtt://mquser:***@127.0.0.1:${mqttPort}`, username: 'mq', password: '***' });

    // The page saves what it was shown (masked), with a change of its own: the passwords stay.
    const saved = await client.request({ method: 'setEventSettings', settings: { ...shown.events!, retentionDays: 7 } as EventSettings });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    outputs.push(['setEventSettings answer', JSON.stringify(saved)]);
    const updated = await client.request({ method: 'updateCamera', id: 'door', patch: { name: 'Front door', source: shown.cameras[0].source } });
    expect(updated).toEqual({ ok: true, value: { updated: true } });
    outputs.push(['updateCamera answer', JSON.stringify(updated)]);
    const stored = JSON.parse(readFileSync(serve.configFile, 'utf8')) as AppConfig;
    expect(stored.cameras[0]).toMatchObject({ name: 'Front door', source: { kind: 'stream', url: rtspUrl } });
    expect(stored.events).toMatchObject({ retentionDays: 7, mqtt: { url: mqttUrl, username: 'mq', password: mqttPassword } });
    // A masked password with another broker is not the stored password sent somewhere else.
    const moved = await client.request({ method: 'setEventSettings', settings: { ...shown.events!, mqtt: { ...shown.events!.mqtt!, url: 'mqtt://mquser:***@127.0.0.2:1883' } } as EventSettings });
    expect(moved.ok).toBe(false);
    outputs.push(['setEventSettings refusal', JSON.stringify(moved)]);
    await untilValue('a config push with the new name', () => client.events('config').some((e) => JSON.stringify(e).includes('Front door')));

    outputs.push(['WebSocket messages', JSON.stringify(client.messages)]);
    outputs.push(['/api/stats after the saves', await stats()]);
    outputs.push(['/metrics', await (await fetch(`${serve.base}/metrics`, { headers })).text()]);
    await client.close();
    expect(await serve.terminate()).toBe(0);
    outputs.push(['stderr', serve.stderr()]);
    // ffmpeg's own words did reach the log, as a record of its camera (so the log was looked at, not empty).
    expect(serve.records().some((r) => typeof r.camera === 'string' && typeof r.pid === 'number' && /Connection refused/.test(r.msg))).toBe(true);

    for (const [where, text] of outputs) {
      for (const secret of secrets) expect(text.includes(secret), `${where} holds a piece of a password: ${text.slice(0, 4000)}`).toBe(false);
    }
  }, 180_000);
});
