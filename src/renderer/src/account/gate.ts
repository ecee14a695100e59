/**
 * What a page opened in serve mode shows first. With the access token (in its address, or kept in
 * sessionStorage from it) it is the app, as an admin, without asking the server. Otherwise the
 * server says who the page is (GET api/session, answered from the session cookie): the app for a
 * signed-in user, the sign-in form for nobody, and the first admin's form when the page was opened
 * by the one-time setup link (/setup?code=...) serve mode prints while no user exists.
 * The desktop app has no accounts: it is always the app.
 */
import { TOKEN_STORAGE_KEY } from '../bridge/web';

export interface Account {
  /** Null for the token. */
  user: string | null;
  role: 'admin' | 'viewer';
  via: 'session' | 'token';
}

export type Gate = { kind: 'app'; account: Account | null } | { kind: 'login'; setupPending: boolean } | { kind: 'setup'; code: string };

function storedToken(): string | null {
  try {
    return globalThis.sessionStorage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

export async function startGate(location: Location = window.location): Promise<Gate> {
  if (window.multicam) return { kind: 'app', account: null };
  const url = new URL(location.href);
  if (url.searchParams.get('token') !== null || storedToken()) return { kind: 'app', account: { user: null, role: 'admin', via: 'token' } };
  let res: Response;
  try {
    res = await fetch('api/session', { cache: 'no-store' });
  } catch {
    // Serve mode is not answering: the app shows its reconnecting state until it does.
    return { kind: 'app', account: null };
  }
  if (res.ok) {
    const body = (await res.json()) as Partial<Account>;
    const role = body.role === 'viewer' ? 'viewer' : 'admin';
    return { kind: 'app', account: { user: typeof body.user === 'string' ? body.user : null, role, via: body.via === 'token' ? 'token' : 'session' } };
  }
  const body = (await res.json().catch(() => ({}))) as { setup?: unknown };
  const code = url.searchParams.get('code');
  if (url.pathname.endsWith('/setup') && code && body.setup === true) return { kind: 'setup', code };
  return { kind: 'login', setupPending: body.setup === true };
}

/** The page's root, where the app (or the sign-in form) lives: `/setup` and any query go. */
export function appRoot(location: Location = window.location): string {
  return location.pathname.replace(/setup$/, '') || '/';
}

export async function signOut(): Promise<void> {
  await fetch('api/logout', { method: 'POST' }).catch(() => undefined);
  window.location.replace(appRoot());
}

/**
 * A signed-in page whose socket closes asks whether its session still holds; when it does not
 * (it expired, or Sign out in another tab ended it) the page goes back to the sign-in form
 * instead of retrying with a cookie that opens nothing.
 */
export function watchSession(onConnection: (listener: (state: string) => void) => () => void): () => void {
  let asking = false;
  return onConnection((state) => {
    if (state !== 'closed' || asking) return;
    asking = true;
    void fetch('api/session', { cache: 'no-store' })
      .then((res) => {
        if (res.status === 401) window.location.replace(appRoot());
      })
      .catch(() => undefined)
      .finally(() => {
        asking = false;
      });
  });
}
