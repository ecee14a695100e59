/**
 * What serve mode needs from the engine (EngineHost): renderers connect, send frames and requests,
 * and get events and frame replies back. Capture assignment lives in the engine; the server only
 * maps a WebSocket to a RendererClient.
 */
import type { EngineHost } from '../engine/host';

export type { RendererClient } from '../engine/host';

export type RendererEngine = Pick<EngineHost, 'connect' | 'submitFrame' | 'submitTrackSnapshot' | 'handle' | 'snapshot' | 'config' | 'media'> &
  /** Events (events-routes.ts); absent or null when the engine keeps none. */
  Partial<Pick<EngineHost, 'events'>> &
  /** Recordings (recording-routes.ts); absent or null when the engine records nothing. */
  Partial<Pick<EngineHost, 'recordings'>>;
