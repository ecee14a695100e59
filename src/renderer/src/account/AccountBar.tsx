/** Who is signed in, in the top bar, and the way out. Shown for a signed-in user (not for the token). */
import { signOut, type Account } from './gate';

export function AccountBar({ account }: { account: Account | null }) {
  if (account?.via !== 'session') return null;
  return (
    <span className="account" data-testid="account">
      <span data-testid="account-name">
        {account.user} · {account.role}
      </span>
      <button type="button" onClick={() => void signOut()} data-testid="sign-out">
        Sign out
      </button>
    </span>
  );
}
