/**
 * The engine's logger (pino), shared by serve mode (fastify logs through it too) and the desktop
 * app's main process. Each camera has a child carrying `camera` (its id) and `pid` (its worker's).
 *
 * Every record is masked (redaction.ts) before it is written: the arguments of each call (message
 * and fields) through maskValue, and the serialized line once more through maskText, so neither a
 * field nor a child's bindings can carry a password out. Records go to process.stderr, which
 * maskStderr wraps as well.
 *
 * User-facing command-line output (serve's URL line, `npm run detect`'s problem lines, `npm run
 * models` progress, serve's start-up refusals) is not logging and does not come through here.
 */
import pino, { type Level, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { maskText, maskValue } from './redaction';

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
          method.apply(this, maskValue(args) as Parameters<typeof method>);
        },
        streamWrite: (line) => maskText(line),
      },
    },
    stream,
  );
}

let fallback: Logger | null = null;

/** The logger of code given none (tests, tools): info and up on stderr. */
export function defaultLogger(): Logger {
  fallback ??= createLogger();
  return fallback;
}

/** A logger that writes nothing (tools whose output is their own lines, tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
