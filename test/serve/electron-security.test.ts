/**
 * The desktop window's trust rules (src/main/security.ts). That module imports Electron
 * for types only, so its logic runs here without the Electron runtime; the objects standing in for
 * WebContents and frames are plain stand-ins, named as such.
 */
import { describe, expect, it } from 'vitest';
import { AppOrigin, appCsp } from '../../src/main/security';

const FILE_PAGE = 'file:///opt/app/resources/app.asar/out/renderer/index.html';

describe('AppOrigin', () => {
  it('knows the built page and nothing else', () => {
    const origin = new AppOrigin(FILE_PAGE);
    expect(origin.dev).toBe(false);
    expect(origin.isAppUrl(FILE_PAGE)).toBe(true);
    expect(origin.isAppUrl(`${FILE_PAGE}?x=1#y`)).toBe(true);
    expect(origin.isAppUrl('file:///etc/passwd')).toBe(false);
    expect(origin.isAppUrl('https://example.com/')).toBe(false);
    expect(origin.isAppUrl('')).toBe(false);
    expect(origin.isAppUrl('not a url')).toBe(false);
  });

  it('knows the dev server by origin', () => {
    const origin = new AppOrigin('http://localhost:5173/');
    expect(origin.dev).toBe(true);
    expect(origin.isAppUrl('http://localhost:5173/src/main.tsx')).toBe(true);
    expect(origin.isAppUrl('http://localhost:5174/')).toBe(false);
    expect(origin.isAppUrl('http://127.0.0.1:5173/')).toBe(false);
  });

  it('trusts only the top frame of the app window showing the app page', () => {
    const origin = new AppOrigin(FILE_PAGE);
    // Stand-ins for WebContents and WebFrameMain: only identity and url matter here.
    const mainFrame = { url: FILE_PAGE };
    const window = { mainFrame } as never;
    const otherWindow = { mainFrame: { url: FILE_PAGE } } as never;
    const child = { url: FILE_PAGE };
    expect(origin.isTrustedSender({ sender: window, senderFrame: mainFrame as never }, window)).toBe(true);
    expect(origin.isTrustedSender({ sender: window, senderFrame: child as never }, window)).toBe(false);
    expect(origin.isTrustedSender({ sender: otherWindow, senderFrame: mainFrame as never }, window)).toBe(false);
    expect(origin.isTrustedSender({ sender: window, senderFrame: null }, window)).toBe(false);
    expect(origin.isTrustedSender({ sender: window, senderFrame: mainFrame as never }, null)).toBe(false);
    const navigatedAway = { url: 'https://example.com/' };
    const hijacked = { mainFrame: navigatedAway } as never;
    expect(origin.isTrustedSender({ sender: hijacked, senderFrame: navigatedAway as never }, hijacked)).toBe(false);
  });

  it('has a strict production CSP', () => {
    const csp = appCsp(false);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("object-src 'none'");
  });
});
