/**
 * The engine's logger (pino), shared by serve mode (fastify logs through it too) and the desktop
 * app's main process. Each camera has a child carrying `camera` (its id) and `pid` (its worker's).
 *
 * Every record is masked (redaction.ts) before it is written: the arguments of each call (message,
 * fields, errors) and each child's bindings, then the serialized line once more with the secrets
 * as JSON escapes them, so nothing a record holds can carry a password out. Records go to
 * process.stderr, which maskStderr wraps as well.
 *
 * User-facing command-line output (serve's URL line, `npm run detect`'s problem lines, `npm run
 * models` progress, serve's start-up refusals) is not logging and does not come through here.
 */
import pino, { type Level, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { maskSerialized, maskText } from './redaction';

export type { Logger } from 'pino';

export const LOG_LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export function isLogLevel(text: string): text is Level {
  return (LOG_LEVELS as readonly string[]).includes(text);
}

export interface LoggerOptions {
  level?: Level | 'silent';
  /** Human-readable lines instead of JSON; default: when stderr is a terminal. */
  pretty?: boolean;
  /** Where lines go (tests); default process.stderr. */
  destination?: NodeJS.WritableStream;
}

/** A log call's argument with every string masked, in errors too (their message and stack). */
function masked(value: unknown): unknown {
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map(masked);
  if (value instanceof Error) {
    const copy = new Error(maskText(value.message));
    copy.name = value.name;
    copy.stack = value.stack === undefined ? undefined : maskText(value.stack);
    return copy;
  }
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  }
  return value;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const pretty = options.pretty ?? (destination === process.stderr && process.stderr.isTTY === true);
  const stream = pretty ? pinoPretty({ destination, sync: true, colorize: process.stderr.isTTY === true, ignore: 'hostname' }) : destination;
  return pino(
    {
      level: options.level ?? 'info',
      // No pid of its own: a camera's child carries its worker's pid, and one key is one meaning.
      base: undefined,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(masked) as Parameters<typeof method>);
        },
        streamWrite: (line) => maskSerialized(line),
      },
      formatters: { bindings: (bindings) => masked(bindings) as typeof bindings },
    },
    stream,
  );
}

let fallback: Logger | null = null;

/** The logger of code given none: the process's own (useLogger), else info and up on stderr. */
export function defaultLogger(): Logger {
  fallback ??= createLogger();
  return fallback;
}

/** Makes `log` the process's logger (serve mode and the desktop app, once at start). */
export function useLogger(log: Logger): Logger {
  fallback = log;
  return log;
}

/** A logger that writes nothing (tools whose output is their own lines, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
