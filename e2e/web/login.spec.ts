/**
 * Serve mode's sign-in page in Chromium, against a real serve mode that starts with no account:
 * the page without the token shows the sign-in form, the one-time setup link serve mode prints
 * makes the first admin and signs it in with an HttpOnly, SameSite=Strict cookie; a viewer added
 * with `--add-user` (password on stdin) signs in and is offered no changes; a wrong password says
 * so; Sign out goes back to the form, in the other tabs too, and the cookie no longer opens anything.
 */
import { spawnSync } from 'node:child_process';
import { serveCommand, REPO } from '../../test/support/serve-process';
import { expect, test } from '../support/fixtures';

// One camera, so that the tile's own controls can be looked at for each role.
test.use({ serveOptions: { config: { cameras: [{ id: 'cam-door', name: 'Door', source: { kind: 'webcam' } }] } } });

test('the first admin is made by the setup link; a viewer signs in, watches, and signs out', async ({ serve, dashboardBrowser }) => {
  const context = await dashboardBrowser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    // Without the token and without a session: the sign-in form, saying no account exists yet.
    await page.goto(`${serve.origin}/`);
    await expect(page.getByTestId('login-page')).toBeVisible();
    await expect(page.getByTestId('login-setup-hint')).toBeVisible();
    await expect(page.getByTestId('app')).toHaveCount(0);

    // The one-time link serve mode printed.
    let link = '';
    await expect.poll(() => (link = /create the first admin \(one-time link\): (http:\/\/[\w.:[\]-]+\/setup\?code=[\w-]+)/.exec(serve.log())?.[1] ?? ''), { message: 'the setup link on stderr' }).not.toBe('');
    await page.goto(link);
    await page.getByTestId('login-name').fill('ann');
    await page.getByTestId('login-password').fill('ann-password-1');
    await page.getByTestId('login-password-again').fill('ann-password-1');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('connection')).toContainText('connected');
    await expect(page.getByTestId('account-name')).toHaveText('ann · admin');
    await expect(page.getByTestId('add-camera')).toBeVisible();
    await expect(page.getByTestId('edit-camera')).toBeVisible();
    expect(new URL(page.url()).pathname).toBe('/');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'multicam-session', httpOnly: true, sameSite: 'Strict', secure: false });
    // The page cannot read it.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe('');

    // A viewer, added from the command line while serve mode runs.
    const [command, args] = await serveCommand(['--add-user', 'vic', '--role', 'viewer', '--config', serve.configFile]);
    const added = spawnSync(command, args, { cwd: REPO, input: 'vic-password-1\n', encoding: 'utf8', timeout: 60_000 });
    expect(added.status, added.stderr).toBe(0);

    await page.getByTestId('sign-out').click();
    await expect(page.getByTestId('login-page')).toBeVisible();
    expect(await context.cookies()).toEqual([]);
    await expect(page.getByTestId('login-setup-hint')).toHaveCount(0);

    await page.getByTestId('login-name').fill('vic');
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('login-error')).toHaveText('wrong user name or password');

    await page.getByTestId('login-password').fill('vic-password-1');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('connection')).toContainText('connected');
    await expect(page.getByTestId('account-name')).toHaveText('vic · viewer');
    await expect(page.getByTestId('add-camera')).toHaveCount(0);
    await expect(page.getByTestId('open-settings')).toHaveCount(0);
    // The camera is there to watch, without the controls that change it.
    await expect(page.getByTestId('camera-name')).toHaveText('Door');
    await expect(page.getByTestId('fullscreen-camera')).toBeVisible();
    for (const control of ['rename-camera', 'edit-camera', 'camera-events-open', 'remove-camera']) await expect(page.getByTestId(control)).toHaveCount(0);
    // A reload stays signed in.
    await page.reload();
    await expect(page.getByTestId('connection')).toContainText('connected');

    // The session ended elsewhere (Sign out in another tab of the same browser): the server closes
    // this page's socket, and the page goes back to the sign-in form.
    const other = await context.newPage();
    await other.goto(`${serve.origin}/`);
    await expect(other.getByTestId('account-name')).toHaveText('vic · viewer');
    await other.getByTestId('sign-out').click();
    await expect(other.getByTestId('login-page')).toBeVisible();
    await expect(page.getByTestId('login-page')).toBeVisible();
    await other.close();
    await page.getByTestId('login-name').fill('vic');
    await page.getByTestId('login-password').fill('vic-password-1');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('connection')).toContainText('connected');

    // Signing out ends the session on the server too: the old cookie opens nothing.
    const old = (await context.cookies())[0];
    await page.getByTestId('sign-out').click();
    await expect(page.getByTestId('login-page')).toBeVisible();
    const res = await fetch(`${serve.origin}/api/stats`, { headers: { Cookie: `${old.name}=${old.value}` } });
    expect(res.status).toBe(401);
  } finally {
    await context.close();
  }
});
