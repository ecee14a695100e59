/**
 * Signing in and out, behind the server's access hook (Host and Origin checked; these routes are
 * `public` in access.ts):
 *   GET  /api/session   who this request is: {user, role, via: "session" | "token"}; 401 when nobody,
 *                       with {setup: true} while no user exists yet
 *   POST /api/login     {name, password} -> the session cookie and {user, role}; 401 for a wrong name
 *                       or password (the same answer for both), 429 while the address is locked out
 *   POST /api/logout    ends this browser's session (and its open WebSockets) and clears the cookie
 *   POST /api/setup     {code, name, password}: the first admin, with the one-time code serve mode
 *                       printed while no user exists; 409 once one does
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../engine/logger';
import { tokenMatches } from './auth';
import type { LoginLimiter } from './login-limiter';
import type { LoginSession, LoginSessions } from './login-sessions';
import type { StoredUser, UsersStore } from './users';
import { MAX_PASSWORD_LENGTH, passwordProblem, userNameProblem } from './users';

export interface AccountContext {
  users: UsersStore;
  sessions: LoginSessions;
  limiter: LoginLimiter;
  /** The one-time code for the first admin; null once used, or when users exist. */
  setup: { code: string | null };
  /** Ends a session's open WebSockets (logout). */
  endSockets: (session: LoginSession) => void;
  log: Logger;
}

const Credentials = z.object({ name: z.string().min(1).max(64), password: z.string().min(1).max(MAX_PASSWORD_LENGTH) });
const Setup = Credentials.extend({ code: z.string().min(1).max(200) });

function answer(reply: FastifyReply, status: number, body: object, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(status).headers({ 'Cache-Control': 'no-store', ...headers }).send(body);
}

export function registerAccountRoutes(app: FastifyInstance, context: AccountContext): void {
  const { users, sessions, limiter } = context;

  /** 429 with Retry-After while the request's address is locked out; null when it may try. */
  const lockedOut = (request: FastifyRequest, reply: FastifyReply): FastifyReply | null => {
    const ms = limiter.lockedFor(request.ip);
    if (ms === 0) return null;
    const seconds = Math.ceil(ms / 1000);
    return answer(reply, 429, { error: `too many failed sign-ins from this address; try again in ${Math.ceil(seconds / 60)} minutes` }, { 'Retry-After': String(seconds) });
  };

  const failed = (request: FastifyRequest, reply: FastifyReply, error: string): FastifyReply => {
    const lockout = limiter.failed(request.ip);
    if (lockout > 0) context.log.warn(`serve: ${request.ip} is locked out of signing in for ${lockout / 60_000} minutes after repeated failures`);
    return answer(reply, 401, { error });
  };

  const signIn = (reply: FastifyReply, request: FastifyRequest, user: StoredUser): FastifyReply => {
    limiter.succeeded(request.ip);
    const session = sessions.open(user.name, user.role, user.scrypt.hash);
    context.log.info(`serve: ${user.name} (${user.role}) signed in from ${request.ip}`);
    return answer(reply, 200, { user: user.name, role: user.role }, { 'Set-Cookie': sessions.setCookie(session) });
  };

  app.get('/api/session', async (request, reply) => {
    const who = request.principal;
    if (who?.via === 'session') return answer(reply, 200, { user: who.session.user, role: who.role, via: 'session' });
    if (who?.via === 'token') return answer(reply, 200, { user: null, role: who.role, via: 'token' });
    return answer(reply, 401, { error: 'not signed in', setup: users.count === 0 });
  });

  app.post('/api/login', async (request, reply) => {
    const refused = lockedOut(request, reply);
    if (refused) return refused;
    const parsed = Credentials.safeParse(request.body);
    if (!parsed.success) return answer(reply, 400, { error: 'send {"name": ..., "password": ...} as JSON' });
    const user = await users.verify(parsed.data.name, parsed.data.password);
    if (!user) return failed(request, reply, 'wrong user name or password');
    return signIn(reply, request, user);
  });

  app.post('/api/logout', async (request, reply) => {
    const who = request.principal;
    if (who?.via === 'session') {
      sessions.end(who.session);
      context.endSockets(who.session);
    }
    return answer(reply, 200, { signedOut: true }, { 'Set-Cookie': sessions.clearCookie() });
  });

  app.post('/api/setup', async (request, reply) => {
    const refused = lockedOut(request, reply);
    if (refused) return refused;
    if (users.count > 0) return answer(reply, 409, { error: 'an account exists already; sign in, or add users with npm run serve -- --add-user NAME' });
    const parsed = Setup.safeParse(request.body);
    if (!parsed.success) return answer(reply, 400, { error: 'send {"code": ..., "name": ..., "password": ...} as JSON' });
    const code = context.setup.code;
    if (!code || !tokenMatches(code, parsed.data.code)) return failed(request, reply, 'this setup link is not valid (it is printed again at each start while no user exists)');
    const problem = userNameProblem(parsed.data.name) ?? passwordProblem(parsed.data.password);
    if (problem) return answer(reply, 400, { error: problem });
    await users.put(parsed.data.name, 'admin', parsed.data.password);
    context.setup.code = null;
    context.log.info(`serve: the first admin, ${parsed.data.name}, was created with the setup link`);
    return signIn(reply, request, users.find(parsed.data.name)!);
  });
}
