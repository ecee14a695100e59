/**
 * Signed-in browsers: a session is a random 32-byte id, carried in an HttpOnly, SameSite=Strict
 * cookie (Secure, and named with the `__Host-` prefix, over HTTPS), that names a user and ends at
 * a fixed time after sign-in (`--session-ttl`, default 12 h) or at logout. Sessions live in serve
 * mode's memory only: a restart signs everyone out. A session also ends when its user's password
 * or role changes or the user is removed (it remembers the hash it was opened with).
 */
import { randomBytes } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { Role } from './access';
import { tokenMatches } from './auth';

/** Sessions kept at most; the oldest goes first when a new one would pass it. */
const MAX_SESSIONS = 10_000;

export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface LoginSession {
  id: string;
  user: string;
  role: Role;
  /** The user's password hash when the session was opened. */
  hash: string;
  expiresAt: number;
}

/** The cookie's name: `__Host-` makes a browser refuse it unless Secure, Path=/ and host-only. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-multicam-session' : 'multicam-session';
}

export class LoginSessions {
  private readonly sessions = new Map<string, LoginSession>();

  constructor(
    readonly ttlMs: number,
    readonly secure: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  get cookieName(): string {
    return sessionCookieName(this.secure);
  }

  open(user: string, role: Role, hash: string): LoginSession {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session = { id: randomBytes(32).toString('base64url'), user, role, hash, expiresAt: now + this.ttlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session a Cookie header carries, or null (none, unknown, expired). */
  fromCookieHeader(header: string | undefined): LoginSession | null {
    if (!header) return null;
    let id: string | undefined;
    try {
      id = parseCookie(header)[this.cookieName];
    } catch {
      return null;
    }
    if (!id || id.length > 100) return null;
    const session = this.sessions.get(id);
    // The map lookup found it by the id itself; compare again in constant time all the same.
    if (!session || !tokenMatches(session.id, id)) return null;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return null;
    }
    return session;
  }

  /** Whether a session is still open (not expired, not ended). */
  alive(session: LoginSession): boolean {
    return this.sessions.get(session.id) === session && session.expiresAt > this.now();
  }

  end(session: LoginSession): void {
    this.sessions.delete(session.id);
  }

  /** The Set-Cookie value that opens `session` in the browser. */
  setCookie(session: LoginSession): string {
    return stringifySetCookie({
      name: this.cookieName,
      value: session.id,
      httpOnly: true,
      secure: this.secure,
      sameSite: 'strict',
      path: '/',
      maxAge: Math.max(1, Math.ceil((session.expiresAt - this.now()) / 1000)),
    });
  }

  /** The Set-Cookie value that removes the cookie. */
  clearCookie(): string {
    return stringifySetCookie({ name: this.cookieName, value: '', httpOnly: true, secure: this.secure, sameSite: 'strict', path: '/', maxAge: 0 });
  }
}

/** `90s`, `30m`, `12h`, `7d` (or plain seconds) in milliseconds; null when it is none of these. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!m) return null;
  const unit = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit;
  return ms > 0 && ms <= 366 * 86_400_000 ? ms : null;
}
