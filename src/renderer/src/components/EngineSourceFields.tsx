/**
 * The add/edit dialog's fields for cameras the engine opens itself with ffmpeg: a stream URL
 * (rtsp, rtsps, http, https) with its user and password in fields of their own, a video file on
 * the engine's disk, or a local device. A stored password is never shown back: editing shows the
 * URL and the user, and an empty password field keeps what is stored.
 */
import type { EngineSourceConfig } from '../../../shared/contracts/sources';
import { StreamUrl, type RtspTransport } from '../../../shared/contracts/sources';
import { MASK } from '../../../shared/redact';

export type EngineKind = EngineSourceConfig['kind'];

export interface EngineFieldValues {
  /** The stream URL without user and password (those have their own fields). */
  url: string;
  user: string;
  /** Typed here only; a stored password is never shown back (the field stays empty). */
  password: string;
  /** The camera has a stored password: an empty field keeps it. */
  storedPassword: boolean;
  /** RTSP transport: '' lets ffmpeg choose (UDP, then TCP). */
  transport: '' | RtspTransport;
  path: string;
  loop: boolean;
}

/** scheme://[user[:password]@]rest, split where the WHATWG parser would (the last '@' before the path). */
function splitUserinfo(url: string): { url: string; user: string; password: string | null } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!m) return { url, user: '', password: null };
  const at = m[2].lastIndexOf('@');
  if (at < 0) return { url, user: '', password: null };
  const info = m[2].slice(0, at);
  const colon = info.indexOf(':');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return {
    url: `${m[1]}${m[2].slice(at + 1)}${m[3]}`,
    user: decode(colon < 0 ? info : info.slice(0, colon)),
    password: colon < 0 ? null : info.slice(colon + 1),
  };
}

export function initialEngineValues(source: { kind: string } & Partial<{ url: string; path: string; loop: boolean; transport: RtspTransport }> | undefined): EngineFieldValues {
  // A stored URL arrives masked (rtsp://user:***@host/…): the user goes to its field, the password nowhere.
  const stream = source?.kind === 'stream' ? splitUserinfo(source.url ?? '') : null;
  return {
    url: stream?.url ?? '',
    user: stream?.user ?? '',
    password: '',
    storedPassword: !!stream?.password,
    transport: (source?.kind === 'stream' && source.transport) || '',
    path: source?.kind === 'file' || source?.kind === 'device' ? (source.path ?? '') : '',
    loop: source?.kind === 'file' ? source.loop !== false : true,
  };
}

/**
 * The stream URL with user and password put in, each percent-encoded (a password with '@', ':' or
 * '/' cannot break the URL apart). An empty password field on a camera with a stored password
 * sends the mask, which the engine replaces by the stored password (src/shared/redact.ts,
 * keepStoredUrlSecret), and only for the same host.
 */
export function streamUrlWithCredentials(values: Pick<EngineFieldValues, 'url' | 'user' | 'password' | 'storedPassword'>): string | { error: string } {
  const url = values.url.trim();
  const password = values.password !== '' ? encodeURIComponent(values.password) : values.storedPassword ? MASK : '';
  if (!values.user && !password) return url;
  const typed = splitUserinfo(url);
  if (typed.user || typed.password !== null) return { error: 'Give the user and password in their fields, not in the URL.' };
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/i.exec(url);
  if (!m) return url; // the URL check says what is wrong
  return `${m[1]}${encodeURIComponent(values.user)}${password ? `:${password}` : ''}@${m[2]}`;
}

/** The source these fields describe, or an error message for the dialog. */
export function engineSourceFrom(kind: EngineKind, values: EngineFieldValues): EngineSourceConfig | string {
  if (kind === 'stream') {
    const assembled = streamUrlWithCredentials(values);
    if (typeof assembled !== 'string') return assembled.error;
    const checked = StreamUrl.safeParse(assembled);
    if (!checked.success) return checked.error.issues[0]?.message ?? 'That is not a stream URL.';
    const rtsp = /^rtsps?:/i.test(assembled);
    return { kind: 'stream', url: assembled, ...(rtsp && values.transport ? { transport: values.transport } : {}) };
  }
  const path = values.path.trim();
  if (!path) return kind === 'file' ? 'Give the path of a video file on the engine’s machine.' : 'Give the device, e.g. /dev/video0.';
  return kind === 'file' ? { kind: 'file', path, loop: values.loop } : { kind: 'device', path };
}

export function EngineSourceFields({
  kind,
  values,
  onChange,
}: {
  kind: EngineKind;
  values: EngineFieldValues;
  onChange: (values: EngineFieldValues) => void;
}) {
  if (kind === 'stream') {
    return (
      <>
        <label>
          Stream URL
          <input
            data-testid="stream-url-input"
            placeholder="rtsp://192.168.1.20:554/stream1"
            value={values.url}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => onChange({ ...values, url: e.target.value })}
          />
          <span className="hint">rtsp, rtsps, http (MJPEG) or https</span>
        </label>
        <div className="credentials">
          <label>
            User
            <input data-testid="stream-user-input" value={values.user} autoComplete="off" spellCheck={false} onChange={(e) => onChange({ ...values, user: e.target.value })} />
          </label>
          <label>
            Password
            <input
              data-testid="stream-password-input"
              type="password"
              value={values.password}
              autoComplete="new-password"
              placeholder={values.storedPassword ? 'stored (unchanged)' : ''}
              onChange={(e) => onChange({ ...values, password: e.target.value })}
            />
          </label>
        </div>
        <span className="hint">The password is stored with the camera and never shown again; leave it empty to keep the stored one.</span>
        {/^rtsps?:/i.test(values.url.trim()) && (
          <fieldset className="radio-row" data-testid="rtsp-transport">
            <legend>RTSP transport</legend>
            {(['', 'tcp', 'udp'] as const).map((t) => (
              <label key={t || 'auto'}>
                <input type="radio" name="rtsp-transport" checked={values.transport === t} onChange={() => onChange({ ...values, transport: t })} data-testid={`rtsp-transport-${t || 'auto'}`} />
                {t === '' ? 'Automatic' : t.toUpperCase()}
              </label>
            ))}
            <span className="hint">TCP when pictures break up or freeze (lost UDP packets, a firewall); Automatic tries UDP, then TCP.</span>
          </fieldset>
        )}
      </>
    );
  }
  return (
    <>
      <label>
        {kind === 'file' ? 'Video file on the engine’s machine' : 'Device'}
        <input
          data-testid="source-path-input"
          placeholder={kind === 'file' ? '/srv/clips/door.mp4' : '/dev/video0'}
          value={values.path}
          spellCheck={false}
          onChange={(e) => onChange({ ...values, path: e.target.value })}
        />
      </label>
      {kind === 'file' && (
        <label className="checkbox">
          <input type="checkbox" data-testid="source-loop-input" checked={values.loop} onChange={(e) => onChange({ ...values, loop: e.target.checked })} />
          Loop
        </label>
      )}
    </>
  );
}

export const ENGINE_KIND_LABELS: Record<EngineKind, string> = {
  stream: 'IP camera / stream URL',
  file: 'Video file (engine side)',
  device: 'Device (engine side)',
};
