/** The MOCK preload (mock-preload-page.ts) as a script for page.addInitScript (see page-script.ts). */
import { pageScript } from './page-script';

export type { MockPreloadCounters } from './mock-preload-counters';

export function mockPreloadScript(): string {
  return pageScript('mock-preload-page.ts');
}
