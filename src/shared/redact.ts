/**
 * Credentials (a stream URL's password, the MQTT password and the MQTT URL's password) are stored
 * in the configuration and handed to the one process that needs each (the camera's worker and its
 * ffmpeg, the MQTT client), and nowhere else: everything shown, answered or logged goes through
 * these helpers first. `redactText` is the one function every text passes; the rest find what it
 * must mask. Nothing here imports Node or the DOM, so every process can use it.
 */
import type { AppConfig } from './contracts/config';
import type { EventSettings, MqttConfig } from './contracts/events';

export const MASK = '***';

/**
 * Free text masks known secrets of at least this many characters: a one- or two-letter password
 * masked in every log line would turn the log into noise and protect next to nothing. URLs and
 * the MQTT password field are masked whatever the length.
 */
const MIN_TEXT_SECRET = 3;

/**
 * user:pass@ after scheme:// in any text: the user runs up to the first ':' and the password up to
 * the '@', neither across white space, '/', '?' or '#'. A password with a space is not found this
 * way; the known secrets (configSecrets) are, which is why every text is also given those.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):[^\s/?#@]*@/gi;

interface UserinfoSpan {
  /** Index of the ':' between user and password, and of the '@' that ends the password. */
  colon: number;
  at: number;
}

/**
 * Where the password of a URL is in its raw text, as the WHATWG parser reads it: the authority
 * runs from "//" to the first '/', '?' or '#' (and '\' for http and https), the userinfo up to
 * its last '@', the user up to the first ':'. Null when the text has no password there.
 */
function passwordSpan(url: string): UserinfoSpan | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!m) return null;
  const start = m[0].length;
  const special = /^(https?|wss?|ftp|file)$/i.test(m[1]);
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const c = url[i];
    if (c === '/' || c === '?' || c === '#' || (special && c === '\\')) {
      end = i;
      break;
    }
  }
  const at = url.lastIndexOf('@', end - 1);
  if (at < start) return null;
  const colon = url.indexOf(':', start);
  if (colon < 0 || colon > at) return null;
  return { colon, at };
}

/** The password as the URL's text spells it, or '' if it has none. */
function rawPassword(url: string): string {
  const span = passwordSpan(url);
  return span ? url.slice(span.colon + 1, span.at) : '';
}

/**
 * rtsp://user:pass@host/x -> rtsp://user:***@host/x, the rest as it was typed (quotes, spaces and
 * all); a URL without a password is returned as it is. Text that is no URL still loses anything
 * that looks like user:pass@ after a scheme.
 */
export function redactUrl(url: string): string {
  const span = passwordSpan(url);
  if (span && span.at > span.colon + 1) return `${url.slice(0, span.colon + 1)}${MASK}${url.slice(span.at)}`;
  return url.replace(USERINFO, `$1:${MASK}@`);
}

/**
 * Every form in which a URL's password may be printed: as typed, as `new URL` serialises it
 * (percent-encoded) and percent-decoded (ffmpeg may print any). [] if it has none.
 */
export function secretsOf(url: string): string[] {
  const out = new Set<string>();
  const raw = rawPassword(url);
  if (raw) out.add(raw);
  try {
    const parsed = new URL(url).password;
    if (parsed) out.add(parsed);
  } catch {
    // not a URL to the WHATWG parser: the raw form is what there is
  }
  for (const form of [...out]) {
    try {
      out.add(decodeURIComponent(form));
    } catch {
      // not valid percent-encoding
    }
  }
  return [...out].filter((s) => s.length > 0);
}

/** Every secret a configuration holds, in every form it may be printed: what redactText must mask. */
export function configSecrets(config: AppConfig): string[] {
  const out = new Set<string>();
  for (const camera of config.cameras) {
    if (camera.source.kind !== 'stream') continue;
    for (const s of secretsOf(camera.source.url)) out.add(s);
    if (camera.source.recordUrl) for (const s of secretsOf(camera.source.recordUrl)) out.add(s);
  }
  const mqtt = config.events?.mqtt;
  if (mqtt?.password) out.add(mqtt.password);
  if (mqtt?.url) for (const s of secretsOf(mqtt.url)) out.add(s);
  return [...out];
}

/**
 * THE mask for text: every known secret (longest first, so a shorter one cannot break a longer
 * one apart), then every user:pass@ that still looks like one.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const known = secrets.filter((s) => s.length >= MIN_TEXT_SECRET).sort((a, b) => b.length - a.length);
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out.replace(USERINFO, `$1:${MASK}@`);
}

/**
 * Every string in a JSON-like value (an answer, an event, a snapshot) through redactText. Bytes
 * and other non-plain objects are left as they are.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === 'string') return redactText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secrets);
    return out as T;
  }
  return value;
}

/** The MQTT settings as they may be shown: password field and URL password masked. */
export function redactEventSettings<T extends EventSettings | undefined>(settings: T): T {
  const mqtt = settings?.mqtt;
  if (!settings || !mqtt) return settings;
  return { ...settings, mqtt: { ...mqtt, url: redactUrl(mqtt.url), ...(mqtt.password ? { password: MASK } : {}) } };
}

/** The configuration as it may be shown: every stream password and the MQTT credentials masked. */
export function redactConfig(config: AppConfig): AppConfig {
  return {
    ...config,
    cameras: config.cameras.map((c) =>
      c.source.kind === 'stream'
        ? { ...c, source: { ...c.source, url: redactUrl(c.source.url), ...(c.source.recordUrl ? { recordUrl: redactUrl(c.source.recordUrl) } : {}) } }
        : c,
    ),
    ...(config.events ? { events: redactEventSettings(config.events) } : {}),
  };
}

/** Scheme, host and port: where a password would be sent. */
function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** The password was changed somewhere else than the stored one's host: the mask is not sent there. */
export class MaskedSecretError extends Error {}

/**
 * A page only ever sees masked values, so a URL sent back with the mask as its password means
 * "keep the password": the stored URL when nothing else changed, else the new URL with the stored
 * password put back, as long as it goes to the same scheme, host and port. Towards another host
 * the mask is refused: the stored password must be typed again, not sent somewhere new.
 */
export function keepStoredUrlSecret(stored: string | undefined, incoming: string): string {
  const span = passwordSpan(incoming);
  if (!span || incoming.slice(span.colon + 1, span.at) !== MASK) return incoming;
  if (stored === undefined || !rawPassword(stored)) return incoming; // nothing stored: *** is what was typed
  if (incoming === redactUrl(stored)) return stored;
  if (originOf(incoming) === null || originOf(incoming) !== originOf(stored)) {
    throw new MaskedSecretError(`the URL for ${originOf(incoming) ?? 'another address'} has the masked password ${MASK}: type the password again for a new host`);
  }
  return `${incoming.slice(0, span.colon + 1)}${rawPassword(stored)}${incoming.slice(span.at)}`;
}

/** The same for the MQTT settings: URL password and password field. */
export function keepStoredMqttSecrets(stored: MqttConfig | undefined, incoming: MqttConfig | undefined): MqttConfig | undefined {
  if (!incoming) return incoming;
  const url = keepStoredUrlSecret(stored?.url, incoming.url);
  if (incoming.password !== MASK || !stored?.password) return { ...incoming, url };
  if (originOf(url) === null || originOf(url) !== originOf(stored.url)) {
    throw new MaskedSecretError(`the MQTT password is the mask ${MASK} for another broker: type the password again`);
  }
  return { ...incoming, url, password: stored.password };
}
