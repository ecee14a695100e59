/**
 * What the tests of one spec file share: its serve mode, its own browser when it needs other
 * Chromium flags, and its dashboard page. Playwright has no file scope, and each worker runs its
 * files one after another, so the worker keeps these for the file now running (fixtures.ts calls
 * enter() before every test) and ends them when the next file starts or the worker ends.
 * Everything here is ended in order: the page, then serve mode (and its workers), then the browser.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { startServe, type ServeHandle, type ServeStartOptions } from './serve';

interface Kept<T> {
  key: string;
  value: T;
  end: () => Promise<void>;
}

export interface FilePage {
  page: Page;
  context: BrowserContext;
  /** The page's console and uncaught errors, one line each. */
  consoleLines: string[];
}

export class PerFile {
  private file: string | null = null;
  private serve: Kept<ServeHandle> | null = null;
  private browser: Kept<Browser> | null = null;
  private page: Kept<FilePage> | null = null;

  /** A test of `file` is about to run: whatever an earlier file kept ends now. */
  async enter(file: string): Promise<void> {
    if (this.file === file) return;
    await this.release();
    this.file = file;
  }

  /** This file's serve mode; a different `options` (a test.use inside a describe) gets a fresh one. */
  async serveFor(options: ServeStartOptions): Promise<ServeHandle> {
    const key = JSON.stringify(options);
    if (this.serve?.key === key) return this.serve.value;
    await this.endPage();
    await this.end('serve');
    const handle = await startServe(options.config, options);
    this.serve = { key, value: handle, end: () => handle.stop() };
    return handle;
  }

  /** This file's own browser, launched by `launch` unless one with the same key runs already. */
  async browserFor(key: string, launch: () => Promise<{ browser: Browser; cleanup: () => void }>): Promise<Browser> {
    if (this.browser?.key === key) return this.browser.value;
    await this.endPage();
    await this.end('browser');
    const { browser, cleanup } = await launch();
    this.browser = {
      key,
      value: browser,
      end: async () => {
        try {
          await browser.close();
        } finally {
          cleanup();
        }
      },
    };
    return browser;
  }

  /** This file's dashboard page, opened by `open` the first time (or when its key changes). */
  async pageFor(key: string, open: () => Promise<FilePage>): Promise<FilePage> {
    if (this.page?.key === key && !this.page.value.page.isClosed()) return this.page.value;
    await this.endPage();
    const value = await open();
    this.page = { key, value, end: () => value.context.close() };
    return value;
  }

  /** Ends everything kept, page first; serve mode and the browser end even if an earlier step fails. */
  async release(): Promise<void> {
    try {
      await this.endPage();
    } finally {
      try {
        await this.end('serve');
      } finally {
        await this.end('browser');
      }
    }
  }

  private async endPage(): Promise<void> {
    const kept = this.page;
    this.page = null;
    // A page whose browser is gone, or a context the test closed itself, has nothing left to close.
    await kept?.end().catch(() => undefined);
  }

  private async end(what: 'serve' | 'browser'): Promise<void> {
    const kept = this[what];
    this[what] = null;
    await kept?.end();
  }
}
