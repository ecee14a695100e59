/** What the MOCK preload (mock-preload-page.ts) counts on `window.__mockPreload`, for the spec to read. */
export interface MockPreloadCounters {
  /** Frames the page sent over a camera's MessagePort (passed on to serve mode's WebSocket). */
  framesOverPorts: number;
  /** Results and drop notices handed back to the page over a port. */
  resultsOverPorts: number;
  /** Pictures the page sent over a port in answer to a snapshot request (passed on to the WebSocket). */
  snapshotsOverPorts: number;
  /** MessagePorts handed to the page, one per camera worker life. */
  portsSent: number;
  /** Requests the mock refused so that the page retries them (the first three). */
  refusedEarly: number;
}
