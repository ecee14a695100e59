/**
 * Who may do what in serve mode: the one table of every HTTP route and every WebSocket message,
 * and the role each needs. The server's access hook (server.ts) looks a route up here for every
 * request, upgrades included, and the WebSocket session (session.ts) looks each message up here;
 * nothing else decides. A route that is not in ROUTE_ACCESS cannot be registered (the server's
 * onRoute hook throws), so a new route cannot be added without saying who may use it.
 *
 * Roles: `admin` does everything (the access token is an admin credential); `viewer` watches:
 * live view, events and their pictures, recordings; no configuration change, no delete, no camera
 * added or removed, no upload, no frames fed to a camera.
 */
import type { ApiMethod } from '../shared/contracts/engine-api';

export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route needs: a role, or `public` (no login: the built page and its assets, which are the
 * app's own code and hold no data, and the sign-in routes themselves). `media-link` routes also
 * open with the file's signed link (media-links.ts) and otherwise need the viewer role.
 */
export type RouteNeed = Role | 'public' | 'media-link';

/** Every route serve mode has, by `METHOD URL` as registered (HEAD follows its GET). */
export const ROUTE_ACCESS: Readonly<Record<string, RouteNeed>> = {
  // The page and its assets: the login page is part of them.
  'GET /*': 'public',
  // Signing in and out (account-routes.ts).
  'GET /api/session': 'public',
  'POST /api/login': 'public',
  'POST /api/logout': 'public',
  'POST /api/setup': 'public',
  // Watching.
  'GET /ws': 'viewer',
  'GET /api/stats': 'viewer',
  'GET /api/events': 'viewer',
  'GET /api/events/:id/snapshot.jpg': 'viewer',
  'GET /api/events/:id/crop.jpg': 'viewer',
  'GET /api/media-link/:name': 'viewer',
  'GET /media/:name': 'media-link',
  'GET /api/recordings': 'viewer',
  'GET /api/events/:id/clip-link': 'viewer',
  'GET /api/recordings/:camera/export-link': 'viewer',
  'GET /api/events/:id/clip.mp4': 'media-link',
  'GET /api/recordings/:camera/export.mp4': 'media-link',
  // Changing or deleting, and the machine's counters for Prometheus (automation: the token).
  'GET /metrics': 'admin',
  'PUT /api/media': 'admin',
  'DELETE /api/events/:id': 'admin',
};

/** Every WebSocket request method and the role it needs; the type makes the table complete. */
export const WS_METHOD_ACCESS: Readonly<Record<ApiMethod, Role>> = {
  getSnapshot: 'viewer',
  // The configuration as shown: every password in it is masked (src/shared/redact.ts).
  getConfig: 'viewer',
  listModels: 'viewer',
  listEvents: 'viewer',
  getEventImage: 'viewer',
  getEventsStatus: 'viewer',
  addCamera: 'admin',
  removeCamera: 'admin',
  updateCamera: 'admin',
  setSettings: 'admin',
  reorderCameras: 'admin',
  setGroups: 'admin',
  deleteEvent: 'admin',
  setEventSettings: 'admin',
  keepMedia: 'admin',
};

/**
 * Binary WebSocket messages: frames a page captured for a camera, and its pictures for a camera's
 * tracks. Feeding a camera changes what it detects (events, MQTT): admin. A viewer's page is
 * given no camera to capture (RendererClient.captures).
 */
export const WS_BINARY_ACCESS: Readonly<Record<'frame' | 'track-snapshot', Role>> = {
  frame: 'admin',
  'track-snapshot': 'admin',
};

/** The table's key for a route: `GET /api/events`. HEAD is answered as its GET. */
export function routeKey(method: string, url: string): string {
  return `${method === 'HEAD' ? 'GET' : method} ${url}`;
}

/** What a registered route needs; undefined for a route the table does not name. */
export function routeNeed(method: string, url: string): RouteNeed | undefined {
  return ROUTE_ACCESS[routeKey(method, url)];
}

/** Whether `role` is enough for `need`. */
export function roleAllows(role: Role, need: Role): boolean {
  return role === 'admin' || need === 'viewer';
}

/** The refusal a viewer gets, for HTTP answers and WebSocket responses alike. */
export function forbiddenText(what: string, role: Role): string {
  return `forbidden: ${what} needs the admin role; you are signed in as a ${role}`;
}
