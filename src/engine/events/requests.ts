/** The renderer API's event methods (engine-api.ts), answered from the EventsHub. */
import type { ApiRequest, ApiResults } from '../../shared/contracts/engine-api';
import type { EventsHub } from './hub';

const METHODS = ['listEvents', 'deleteEvent', 'getEventImage', 'getEventsStatus', 'setEventSettings'] as const;
type EventMethod = (typeof METHODS)[number];
export type EventRequest = Extract<ApiRequest, { method: EventMethod }>;

export function isEventRequest(request: ApiRequest): request is EventRequest {
  return (METHODS as readonly string[]).includes(request.method);
}

export function handleEventRequest(hub: EventsHub | null, request: EventRequest): ApiResults[EventMethod] {
  if (!hub) throw new Error('events are off in this engine (no data directory)');
  switch (request.method) {
    case 'listEvents':
      return hub.list(request.query);
    case 'deleteEvent':
      return { deleted: hub.delete(request.id) };
    case 'getEventImage':
      return hub.image(request.id, request.kind);
    case 'getEventsStatus':
      return hub.status();
    case 'setEventSettings':
      return hub.applySettings(request.settings);
  }
}
