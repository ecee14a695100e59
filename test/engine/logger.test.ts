/**
 * The log's masking (src/engine/logger.ts): a remembered password is in no record, whether it is in
 * the message, a field, a nested field, an error or a child's bindings, and whether or not JSON
 * escapes its characters. Records keep their level and a camera child's `camera` and `pid`.
 */
import { describe, expect, it } from 'vitest';
import { rememberSecrets } from '../../src/engine/redaction';
import type { AppConfig } from '../../src/shared/contracts/config';
import { captureLogger, LEVEL } from '../support/log-capture';

describe('the logger', () => {
  it('masks every remembered password in messages, fields, errors and bindings', () => {
    const secret = `pw"q\\${Math.random().toString(36).slice(2, 9)}`;
    rememberSecrets({ cameras: [{ id: 'cam', name: 'Cam', source: { kind: 'stream', url: `rtsp://u:${encodeURIComponent(secret)}@h/x` } }], settings: {} } as unknown as AppConfig);
    rememberSecrets({ cameras: [], events: { mqtt: { url: 'mqtt://h', password: secret } } } as unknown as AppConfig);
    const { log, records, lines } = captureLogger('debug');
    const camera = log.child({ camera: 'cam', pid: 4242, note: `bound ${secret}` });
    camera.info({ url: `rtsp://u:${secret}@h/x`, nested: { deeper: [secret] } }, `ffmpeg said ${secret}`);
    camera.warn(new Error(`failed with ${secret}`));
    log.debug(`a plain ${secret} line`);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line.includes(secret)).toBe(false);
      expect(line.includes(JSON.stringify(secret).slice(1, -1))).toBe(false);
    }
    expect(records[0]).toMatchObject({ level: LEVEL.info, camera: 'cam', pid: 4242, msg: 'ffmpeg said ***' });
    expect(records[1]).toMatchObject({ level: LEVEL.warn, camera: 'cam', pid: 4242 });
    expect(records[2]).toMatchObject({ level: LEVEL.debug, msg: 'a plain *** line' });
  });
});
