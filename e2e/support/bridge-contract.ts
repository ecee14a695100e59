/**
 * Node side of the bridge contract suite: opens a page that runs only the renderer's bridge
 * (bridge-contract-page.ts, with the mock preload first for the desktop bridge), and sits on the
 * page's WebSocket to serve mode (both bridges' traffic ends there) so a test can change what the
 * engine answered. Plus the pictures the suite feeds: the astronaut as a model-sized RGB frame and
 * as a full-size JPEG.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { ApiRequest } from '../../src/shared/contracts/engine-api';
import type { CallOutcome, ContractFrame, ContractHarness, SeenEvent } from './bridge-contract-types';
import { REPO_ROOT } from './chromium';
import { mockPreloadScript } from './mock-preload';
import { pageScript } from './page-script';
import type { ServeHandle } from './serve';

export type BridgeKind = 'web' | 'electron';

/** removeCamera with this id is answered by the engine, then the answer is replaced by one of the wrong shape. */
export const WRONG_ANSWER_ID = 'contract-wrong-answer';
export const WRONG_ANSWER = { removed: 'yes' };

export interface Wire {
  /** Answers replaced by WRONG_ANSWER so far. */
  rewritten: number;
  /** Sends a message to the page as if serve mode had (the last socket opened). */
  toPage(message: unknown): void;
}

/** Routes the context's /ws sockets through the test: forwarded untouched but for the removeCamera above. */
export async function routeWire(context: BrowserContext): Promise<Wire> {
  const wire: Wire = { rewritten: 0, toPage: () => undefined };
  await context.routeWebSocket(/\/ws(\?|$)/, (page) => {
    const server = page.connectToServer();
    const rewrite = new Set<number>();
    wire.toPage = (message) => page.send(JSON.stringify(message));
    page.onMessage((message) => {
      if (typeof message === 'string') {
        const parsed = JSON.parse(message) as { id?: number; request?: { method?: string; id?: string } };
        if (parsed.request?.method === 'removeCamera' && parsed.request.id === WRONG_ANSWER_ID && typeof parsed.id === 'number') rewrite.add(parsed.id);
      }
      server.send(message);
    });
    server.onMessage((message) => {
      if (typeof message === 'string' && rewrite.size > 0) {
        const parsed = JSON.parse(message) as { kind?: string; id?: number };
        if (parsed.kind === 'response' && typeof parsed.id === 'number' && rewrite.delete(parsed.id)) {
          wire.rewritten++;
          page.send(JSON.stringify({ kind: 'response', id: parsed.id, response: { ok: true, value: WRONG_ANSWER } }));
          return;
        }
      }
      page.send(message);
    });
  });
  return wire;
}

/** The page's globals, for code that runs in the page (each function passed to evaluate must name them itself). */
type Contract = { __contract: ContractHarness };

/**
 * A page of serve mode's own origin that runs nothing but the bridge: its /metrics text as the
 * document (a document answered by the test itself would be public to Chromium, which then blocks
 * the socket to 127.0.0.1) and the token in its URL as the page has it (the bridge keeps it and
 * takes it out of the address, as in the dashboard). The bridge is made as the renderer makes it; resolved once it answers a request
 * (the mock preload refuses the first three, as the desktop app does while its engine starts).
 */
export async function openContractPage(context: BrowserContext, serve: ServeHandle, kind: BridgeKind): Promise<{ page: Page; made: string }> {
  if (kind === 'electron') await context.addInitScript({ content: mockPreloadScript() });
  await context.addInitScript({ content: pageScript('bridge-contract-page.ts') });
  const page = await context.newPage();
  await page.goto(`${serve.origin}/metrics?token=${encodeURIComponent(serve.token)}`);
  const made = await page.evaluate(() => (globalThis as unknown as Contract).__contract.start());
  for (let tries = 0; tries < 20; tries++) {
    if ((await call(page, { method: 'getSnapshot' })).ok) break;
    await page.waitForTimeout(250);
  }
  return { page, made };
}

export function call(page: Page, request: ApiRequest): Promise<CallOutcome> {
  return page.evaluate((r) => (globalThis as unknown as Contract).__contract.call(r), request);
}

export function keepMedia(page: Page, bytes: Uint8Array, type: string): Promise<CallOutcome> {
  return page.evaluate(([b, t]) => (globalThis as unknown as Contract).__contract.keepMedia(b, t), [Array.from(bytes), type] as const);
}

export function seenEvents(page: Page): Promise<SeenEvent[]> {
  return page.evaluate(() => (globalThis as unknown as Contract).__contract.events());
}

export const harness = {
  hasChannel: (page: Page, cameraId: string) => page.evaluate((id) => (globalThis as unknown as Contract).__contract.hasChannel(id), cameraId),
  storePicture: (page: Page, name: string, rgb: number[]) => page.evaluate(([n, p]) => (globalThis as unknown as Contract).__contract.storePicture(n, p), [name, rgb] as const),
  sendFrames: (page: Page, frame: ContractFrame, count: number) => page.evaluate(([f, n]) => (globalThis as unknown as Contract).__contract.sendFrames(f, n), [frame, count] as const),
  snapshotRequests: (page: Page) => page.evaluate(() => (globalThis as unknown as Contract).__contract.snapshotRequests()),
  answerSnapshotRequests: (page: Page, picture: Uint8Array) =>
    page.evaluate((bytes) => (globalThis as unknown as Contract).__contract.answerSnapshotRequests(bytes), Array.from(picture)),
};

/** The astronaut (test/fixtures/astronaut.png, 512x512, one face): its pixels and a JPEG of it. */
export function astronaut(): { width: number; height: number; rgba: Uint8Array; jpeg: Uint8Array } {
  const png = PNG.sync.read(readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'astronaut.png')));
  const rgba = new Uint8Array(png.data);
  return { width: png.width, height: png.height, rgba, jpeg: new Uint8Array(jpeg.encode({ data: rgba, width: png.width, height: png.height }, 85).data) };
}

/** A square picture scaled to a side x side RGB frame, each output pixel the mean of its block. */
export function squareRgb(picture: { width: number; height: number; rgba: Uint8Array }, side: number): number[] {
  const out: number[] = new Array(side * side * 3).fill(0);
  const step = picture.width / side;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const sums = [0, 0, 0];
      let n = 0;
      for (let sy = Math.floor(y * step); sy < Math.floor((y + 1) * step); sy++) {
        for (let sx = Math.floor(x * step); sx < Math.floor((x + 1) * step); sx++) {
          const at = (sy * picture.width + sx) * 4;
          for (let c = 0; c < 3; c++) sums[c] += picture.rgba[at + c];
          n++;
        }
      }
      for (let c = 0; c < 3; c++) out[(y * side + x) * 3 + c] = Math.round(sums[c] / Math.max(1, n));
    }
  }
  return out;
}
