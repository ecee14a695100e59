/**
 * Serve mode's account pieces on their own, in this process: the lockout and the session clock
 * (with a clock the test moves), the role table, scrypt hashes and the users file in a real
 * temporary folder. The same pieces on a real serve process: accounts.test.ts.
 */
import { readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { roleAllows, routeNeed, WS_METHOD_ACCESS } from '../../src/serve/access';
import { FAILURE_WINDOW_MS, LOCKOUT_MS, LoginLimiter, MAX_FAILURES } from '../../src/serve/login-limiter';
import { LoginSessions, parseDuration } from '../../src/serve/login-sessions';
import { hashPassword, passwordMatches, USERS_FILE_NAME, UsersStore } from '../../src/serve/users';
import { tempDir } from '../support/tmp';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('the sign-in lockout', () => {
  it(`locks after ${MAX_FAILURES} failures within the window, for LOCKOUT_MS, per address`, () => {
    const c = clock();
    const limiter = new LoginLimiter(c.now);
    for (let i = 1; i < MAX_FAILURES; i++) expect(limiter.failed('10.0.0.1')).toBe(0);
    expect(limiter.lockedFor('10.0.0.1')).toBe(0);
    expect(limiter.failed('10.0.0.1')).toBe(LOCKOUT_MS);
    expect(limiter.lockedFor('10.0.0.1')).toBe(LOCKOUT_MS);
    expect(limiter.lockedFor('10.0.0.2')).toBe(0);
    c.advance(LOCKOUT_MS - 1);
    expect(limiter.lockedFor('10.0.0.1')).toBe(1);
    c.advance(1);
    expect(limiter.lockedFor('10.0.0.1')).toBe(0);
  });

  it('forgets failures older than the window, and all of them after a success', () => {
    const c = clock();
    const limiter = new LoginLimiter(c.now);
    for (let i = 1; i < MAX_FAILURES; i++) limiter.failed('a');
    c.advance(FAILURE_WINDOW_MS);
    expect(limiter.failed('a')).toBe(0);
    for (let i = 2; i < MAX_FAILURES; i++) limiter.failed('a');
    limiter.succeeded('a');
    expect(limiter.failed('a')).toBe(0);
  });
});

describe('sessions', () => {
  it('end at their expiry, at logout, and only the right cookie opens one', () => {
    const c = clock();
    const sessions = new LoginSessions(60_000, false, c.now);
    const s = sessions.open('ann', 'viewer', 'hash');
    const cookie = `other=1; ${sessions.cookieName}=${s.id}`;
    expect(sessions.fromCookieHeader(cookie)).toBe(s);
    expect(sessions.fromCookieHeader(`${sessions.cookieName}=${s.id}x`)).toBeNull();
    expect(sessions.fromCookieHeader(`__Host-multicam-session=${s.id}`)).toBeNull();
    c.advance(59_999);
    expect(sessions.alive(s)).toBe(true);
    c.advance(1);
    expect(sessions.fromCookieHeader(cookie)).toBeNull();
    expect(sessions.alive(s)).toBe(false);
    const t = sessions.open('ann', 'viewer', 'hash');
    sessions.end(t);
    expect(sessions.fromCookieHeader(`${sessions.cookieName}=${t.id}`)).toBeNull();
  });

  it('set a Secure __Host- cookie over HTTPS and a plain one without', () => {
    const secure = new LoginSessions(3_600_000, true);
    expect(secure.setCookie(secure.open('a', 'admin', 'h'))).toMatch(/^__Host-multicam-session=[\w-]{43}; Max-Age=3600; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
    const plain = new LoginSessions(3_600_000, false);
    expect(plain.setCookie(plain.open('a', 'admin', 'h'))).toMatch(/^multicam-session=[\w-]{43}; Max-Age=3600; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(plain.clearCookie()).toMatch(/^multicam-session=; Max-Age=0;/);
  });

  it('--session-ttl durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('45')).toBe(45_000);
    for (const bad of ['0s', '-1h', '1.5h', '1w', '', 'h', '400d']) expect(parseDuration(bad), bad).toBeNull();
  });
});

describe('the role table', () => {
  it('lets an admin do everything and a viewer only what is marked viewer', () => {
    expect(roleAllows('admin', 'admin')).toBe(true);
    expect(roleAllows('admin', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'admin')).toBe(false);
    expect(routeNeed('HEAD', '/api/stats')).toBe('viewer');
    expect(routeNeed('DELETE', '/api/events/:id')).toBe('admin');
    expect(routeNeed('POST', '/api/stats')).toBeUndefined();
    for (const method of ['addCamera', 'removeCamera', 'updateCamera', 'setSettings', 'deleteEvent', 'setEventSettings'] as const) {
      expect(WS_METHOD_ACCESS[method], method).toBe('admin');
    }
  });
});

describe('the users file', () => {
  it('keeps scrypt hashes that match only their password', async () => {
    const stored = await hashPassword('correct horse');
    expect(await passwordMatches('correct horse', stored)).toBe(true);
    expect(await passwordMatches('correct horsE', stored)).toBe(false);
    expect((await hashPassword('correct horse')).salt).not.toBe(stored.salt);
  });

  it('is written 0600, read again when it changes, and never through a link', async () => {
    const dir = tempDir('multicam-users-');
    const store = new UsersStore(dir);
    expect(store.count).toBe(0);
    expect(await store.put('ann', 'admin', 'ann-password')).toBe(true);
    expect(await store.put('ann', 'viewer', 'ann-password-2')).toBe(false);
    const file = path.join(dir, USERS_FILE_NAME);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain('ann-password');
    expect(await store.verify('ann', 'ann-password')).toBeNull();
    expect((await store.verify('ann', 'ann-password-2'))?.role).toBe('viewer');
    expect(await store.verify('bob', 'ann-password-2')).toBeNull();
    // Another process (--add-user) writes the file: the next look finds the user.
    await new UsersStore(dir).put('bob', 'viewer', 'bob-password');
    expect(store.find('bob')?.role).toBe('viewer');
    await expect(store.put('x y', 'viewer', 'long-enough')).rejects.toThrow(/user name/);
    await expect(store.put('carl', 'viewer', 'short')).rejects.toThrow(/at least 8/);

    const linked = tempDir('multicam-users-link-');
    writeFileSync(path.join(linked, 'elsewhere.json'), '{"users": []}');
    symlinkSync(path.join(linked, 'elsewhere.json'), path.join(linked, USERS_FILE_NAME));
    expect(() => new UsersStore(linked)).toThrow(/not a regular file/);
  });
});
