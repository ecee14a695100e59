/**
 * Serve mode's command line, parsed strictly: a port is digits only, 0 to 65535; a host is a
 * non-empty address or name; anything else is an error with the usage, never a default in
 * disguise (`--host ""` must not mean every interface, nor `--port 0x1f4b` port 8011).
 */
import path from 'node:path';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { defaultConfigFile } from '../engine/config/location';
import { isLogLevel, LOG_LEVELS } from '../engine/logger';
import type { Level } from 'pino';
import { ROLES, type Role } from './access';
import { DEFAULT_SESSION_TTL_MS, parseDuration } from './login-sessions';
import { userNameProblem } from './users';

export const DEFAULT_PORT = 5180;

export interface ServeArgs {
  port: number;
  /** Whether --port was given (a default port that is taken moves on to the next one). */
  portGiven: boolean;
  host: string;
  config: string;
  /** Where events and their snapshots are stored (--data; default the configuration's folder). */
  data: string;
  allowHosts: string[];
  newToken: boolean;
  /** The least level logged (--log-level; default info). */
  logLevel: Level;
  /** --add-user NAME [--role R]: add (or change) this user and exit, instead of serving. */
  addUser: { name: string; role: Role } | null;
  /** --tls-cert and --tls-key: serve HTTPS with these PEM files. */
  tls: { cert: string; key: string } | null;
  /** --insecure-http: plain HTTP on an address beyond loopback, which is refused without it. */
  insecureHttp: boolean;
  /** How long a sign-in lasts (--session-ttl; default 12 h). */
  sessionTtlMs: number;
}

export const USAGE = `usage: npm run serve -- [--port N] [--host H] [--allow-host NAME]... [--config FILE] [--data DIR] [--new-token] [--log-level L]
                     [--tls-cert FILE --tls-key FILE] [--insecure-http] [--session-ttl T]
       npm run serve -- --add-user NAME [--role admin|viewer] [--config FILE]

  --port N           port to listen on, 0 to 65535 (0 picks a free one; default ${DEFAULT_PORT},
                     or the next free one after it when it is taken)
  --host H           address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --allow-host NAME  a host name browsers use to reach this server (a DNS name, a reverse
                     proxy's name); may be given more than once. The bound address, loopback
                     names and, bound to every interface, this machine's addresses are always allowed
  --config FILE      configuration file (AppConfig JSON); changes are saved there
                     (default ${defaultConfigFile()})
  --data DIR         where events and their snapshots are stored (default: the configuration
                     file's folder)
  --new-token        make a new access token (the old URL stops working)
  --tls-cert FILE    serve HTTPS with this certificate (PEM; a chain may follow it)
  --tls-key FILE     ... and this private key (PEM); both or neither
  --insecure-http    allow plain HTTP on an address beyond loopback (refused without it: passwords,
                     the session cookie and the token would cross the network in clear text)
  --session-ttl T    how long a sign-in lasts: 90s, 30m, 12h (default), 7d
  --add-user NAME    add a user to the configuration folder's serve-users.json, or set its password
                     and role; asks for the password (read from stdin when it is not a terminal)
  --role R           the new user's role: viewer (default; watches live view and events) or admin
  --log-level L      the least level logged on stderr: trace, debug, info, warn, error or fatal
                     (default info); JSON lines, or readable lines when stderr is a terminal
`;

export class UsageError extends Error {}

/** A port: digits only, 0-65535. */
export function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new UsageError(`--port must be a whole number from 0 to 65535 in decimal digits, not ${JSON.stringify(text)}`);
  const port = Number(text);
  if (port > 65535) throw new UsageError(`--port must be from 0 to 65535, not ${port}`);
  return port;
}

/** A host to listen on: an IP address or a host name; never empty. */
export function parseListenHost(text: string): string {
  const host = text.trim();
  if (host === '') throw new UsageError('--host must name an address (e.g. 127.0.0.1, or 0.0.0.0 for every interface); it is empty');
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 0 && !/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(bare)) {
    throw new UsageError(`--host must be an IP address or a host name, not ${JSON.stringify(text)}`);
  }
  return bare;
}

/** A name for --allow-host: a host name or an IP address, without scheme, port or path. */
export function parseAllowedHost(text: string): string {
  const name = text.trim().toLowerCase();
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  if (isIP(bare) === 0 && !/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/.test(bare)) {
    throw new UsageError(`--allow-host takes a host name or an IP address (no scheme, port or path), not ${JSON.stringify(text)}`);
  }
  return bare;
}

/** Parses argv; throws UsageError for anything it does not take. `help` means print the usage. */
export function parseServeArgs(argv: string[]): ServeArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        config: { type: 'string', short: 'c' },
        data: { type: 'string' },
        'new-token': { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        'add-user': { type: 'string' },
        role: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'insecure-http': { type: 'boolean', default: false },
        'session-ttl': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  if (values.config !== undefined && values.config.trim() === '') throw new UsageError('--config must name a file; it is empty');
  if (values.data !== undefined && values.data.trim() === '') throw new UsageError('--data must name a folder; it is empty');
  const logLevel = values['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(logLevel)}`);
  const config = path.resolve(values.config ?? defaultConfigFile());
  const addUser = values['add-user'];
  if (addUser !== undefined && userNameProblem(addUser)) throw new UsageError(`--add-user: ${userNameProblem(addUser)}; not ${JSON.stringify(addUser)}`);
  const role = values.role ?? 'viewer';
  if (values.role !== undefined && addUser === undefined) throw new UsageError('--role goes with --add-user NAME');
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be ${ROLES.join(' or ')}, not ${JSON.stringify(role)}`);
  const [cert, key] = [values['tls-cert'], values['tls-key']];
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together: give both files, or neither');
  if (cert?.trim() === '' || key?.trim() === '') throw new UsageError('--tls-cert and --tls-key must name files; one is empty');
  const sessionTtlMs = values['session-ttl'] === undefined ? DEFAULT_SESSION_TTL_MS : parseDuration(values['session-ttl']);
  if (sessionTtlMs === null) throw new UsageError(`--session-ttl takes a duration like 90s, 30m, 12h or 7d (at most 366d), not ${JSON.stringify(values['session-ttl'])}`);
  return {
    port: values.port === undefined ? DEFAULT_PORT : parsePort(values.port),
    portGiven: values.port !== undefined,
    host: values.host === undefined ? '127.0.0.1' : parseListenHost(values.host),
    config,
    data: path.resolve(values.data ?? path.dirname(config)),
    allowHosts: (values['allow-host'] ?? []).map(parseAllowedHost),
    newToken: values['new-token'] ?? false,
    logLevel,
    addUser: addUser === undefined ? null : { name: addUser, role: role as Role },
    tls: cert !== undefined && key !== undefined ? { cert: path.resolve(cert), key: path.resolve(key) } : null,
    insecureHttp: values['insecure-http'] ?? false,
    sessionTtlMs,
  };
}
