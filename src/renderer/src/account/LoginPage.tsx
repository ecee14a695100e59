/**
 * Serve mode's sign-in form, and the first admin's form when opened by the setup link. Both post
 * JSON to the server (api/login, api/setup), which answers with the HttpOnly session cookie; the
 * page then loads the app afresh, so the WebSocket opens with that cookie.
 */
import { useState, type FormEvent } from 'react';
import { appRoot } from './gate';

export type LoginMode = { kind: 'login'; setupPending: boolean } | { kind: 'setup'; code: string };

export function LoginPage({ mode }: { mode: LoginMode }) {
  const setup = mode.kind === 'setup';
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (setup && password !== again) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = setup ? { code: mode.code, name, password } : { name, password };
      const res = await fetch(setup ? 'api/setup' : 'api/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      if (res.ok) {
        window.location.replace(appRoot());
        return;
      }
      const answer = (await res.json().catch(() => ({}))) as { error?: unknown };
      setError(typeof answer.error === 'string' ? answer.error : `The server answered ${res.status}.`);
    } catch {
      setError('Serve mode is not answering; is it running?');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login" data-testid="login-page">
      <form className="login-form" onSubmit={(e) => void submit(e)}>
        <h1>Multicam Recognition</h1>
        <p className="login-lead">{setup ? 'Create the first admin account.' : 'Sign in to watch the cameras.'}</p>
        <label>
          User name
          <input name="username" autoComplete="username" required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} data-testid="login-name" />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={setup ? 'new-password' : 'current-password'}
            required
            minLength={setup ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </label>
        {setup && (
          <label>
            Password again
            <input name="password-again" type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} data-testid="login-password-again" />
          </label>
        )}
        {error && (
          <p className="login-error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} data-testid="login-submit">
          {setup ? 'Create admin' : 'Sign in'}
        </button>
        {!setup && mode.setupPending && (
          <p className="login-hint" data-testid="login-setup-hint">
            No account exists yet: open the setup link serve mode printed, or add one with <code>npm run serve -- --add-user NAME --role admin</code>.
          </p>
        )}
      </form>
    </main>
  );
}
