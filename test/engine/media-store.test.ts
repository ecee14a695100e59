/** Pictures kept as files in the data directory, referred to from the config by name. */
import { silentLogger } from '../../src/engine/logger';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineHost } from '../../src/engine/host';
import { keepInlineMedia, MediaError, MediaStore, parseDataUrl } from '../../src/engine/media-store';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { tempDir } from '../support/tmp';

const PNG = readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'astronaut.png'));
const dataUrl = `data:image/png;base64,${PNG.toString('base64')}`;

describe('MediaStore', () => {
  it('keeps a picture once, by content, and never resolves a name it did not give out', () => {
    const store = new MediaStore(tempDir('multicam-media-'));
    const name = store.put(PNG, 'image/png');
    expect(name).toMatch(/^[0-9a-f]{64}\.png$/);
    expect(store.put(PNG, 'image/png')).toBe(name);
    expect(readdirSync(store.dir)).toEqual([name]);
    expect(readFileSync(store.pathOf(name)!)).toEqual(PNG);
    for (const bad of ['../config.json', `${'a'.repeat(64)}.exe`, 'x.png', `/etc/${'a'.repeat(64)}.png`, `${'A'.repeat(64)}.png`]) expect(store.pathOf(bad)).toBeNull();
    expect(() => store.put(PNG, 'application/x-sh')).toThrow(MediaError);
    expect(() => store.put(new Uint8Array(0), 'image/png')).toThrow(/empty/);
  });

  it('turns an inline picture into a reference and prunes files no camera refers to', () => {
    const store = new MediaStore(tempDir('multicam-media-'));
    const camera = keepInlineMedia({ name: 'Still', source: { kind: 'image' as const, url: dataUrl } }, store);
    expect(camera.source.url).toMatch(/^media:[0-9a-f]{64}\.png$/);
    const webcam = { name: 'Desk', source: { kind: 'webcam' as const, label: 'x' } };
    expect(keepInlineMedia(webcam, store)).toBe(webcam);
    expect(parseDataUrl('data:text/plain,hello')).toBeNull();
    // A tiny data URL of another form stays inline; a large one must be base64.
    const tiny = { name: 't', source: { kind: 'image' as const, url: 'data:,' } };
    expect(keepInlineMedia(tiny, store)).toBe(tiny);
    expect(() => keepInlineMedia({ name: 'big', source: { kind: 'image' as const, url: `data:,${'x'.repeat(5000)}` } }, store)).toThrow(MediaError);
    const name = camera.source.url.slice('media:'.length);
    store.prune(new Set([name]));
    expect(existsSync(store.pathOf(name)!)).toBe(true);
    store.prune(new Set());
    expect(existsSync(store.pathOf(name)!)).toBe(false);
  });

  it('EngineHost saves a reference, not the data URL, and moves an old inline picture out of the config', async () => {
    const dir = tempDir('multicam-media-host-');
    const configFile = path.join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ cameras: [{ id: 'cam-1', name: 'Old still', source: { kind: 'image', url: dataUrl } }] }));
    const host = new EngineHost({ configFile, launcher: new NodeLauncher(), supervisor: { calibrate: false, calibrationFile: null }, log: silentLogger() });
    try {
      host.start();
      const added = await host.handle({ method: 'addCamera', camera: { name: 'New still', source: { kind: 'image', url: dataUrl } } });
      expect(added.ok).toBe(true);
      const saved = readFileSync(configFile, 'utf8');
      expect(saved).not.toContain('base64');
      expect(saved.length).toBeLessThan(2000);
      const refs = host.config.cameras.map((c) => (c.source.kind === 'image' ? c.source.url : ''));
      expect(refs[0]).toMatch(/^media:/);
      expect(refs[1]).toBe(refs[0]);
      expect(JSON.stringify(host.snapshot()).length).toBeLessThan(20_000);
      // Removing one camera keeps the file the other still shows; removing both removes it.
      await host.handle({ method: 'removeCamera', id: 'cam-1' });
      expect(readdirSync(host.media.dir)).toHaveLength(1);
      await host.handle({ method: 'removeCamera', id: host.config.cameras[0].id! });
      expect(readdirSync(host.media.dir)).toHaveLength(0);
    } finally {
      await host.stop();
    }
  }, 60_000);
});
