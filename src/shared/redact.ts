/**
 * Credentials in a stream URL (rtsp://user:pass@host/...) are stored in the configuration and
 * handed to ffmpeg, and nowhere else: everything shown or logged goes through these helpers first.
 * Nothing here imports Node or the DOM, so every process can use them.
 */

const MASK = '***';

/** user:pass@ in anything that looks like a URL; the password (up to the last @ before the path) becomes ***. */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]*):[^\s/'"]*@/gi;

/** rtsp://user:pass@host/x -> rtsp://user:***@host/x; a URL without a password is returned as is. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, `$1:${MASK}@`);
}

/** The password of a URL, raw and percent-decoded (ffmpeg may print either), or [] if it has none. */
export function secretsOf(url: string): string[] {
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/:@]*:([^/]*)@/i.exec(url);
    password = m ? m[1] : '';
  }
  if (!password) return [];
  const out = new Set([password]);
  try {
    out.add(decodeURIComponent(password));
  } catch {
    // not valid percent-encoding: the raw form is all there is
  }
  return [...out].filter((s) => s.length > 0);
}

/**
 * Masks every URL's password in a text, then any of the given secrets that still appear on their
 * own (ffmpeg sometimes prints a URL piecemeal).
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(USERINFO, `$1:${MASK}@`);
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join(MASK);
  }
  return out;
}
