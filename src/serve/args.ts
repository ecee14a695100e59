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
}

export const USAGE = `usage: npm run serve -- [--port N] [--host H] [--allow-host NAME]... [--config FILE] [--data DIR] [--new-token] [--log-level L]

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
  return {
    port: values.port === undefined ? DEFAULT_PORT : parsePort(values.port),
    portGiven: values.port !== undefined,
    host: values.host === undefined ? '127.0.0.1' : parseListenHost(values.host),
    config,
    data: path.resolve(values.data ?? path.dirname(config)),
    allowHosts: (values['allow-host'] ?? []).map(parseAllowedHost),
    newToken: values['new-token'] ?? false,
    logLevel,
  };
}
