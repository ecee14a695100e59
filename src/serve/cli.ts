/**
 * Serve mode: the app in a browser, without Electron.
 *
 *   npm run serve -- [--port N] [--host H] [--allow-host NAME]... [--config FILE] [--data DIR] [--new-token] [--log-level L]
 *                    [--tls-cert FILE --tls-key FILE] [--insecure-http] [--session-ttl T]
 *   npm run serve -- --add-user NAME [--role viewer|admin]   (asks for the password, then exits)
 *
 * It runs as a build (out/serve/cli.js, made by scripts/serve-build.mjs), which forks the camera
 * worker built beside it and serves the web renderer from out/renderer-web; `npm run serve` and
 * `npm start` build first when the build is missing or stale.
 * Prints one line on stdout, the URL to open (it carries the access token, the same one each
 * start); everything else goes to stderr: start-up refusals as plain text, the rest as the log
 * (logger.ts: JSON lines, readable ones on a terminal, from --log-level up), the one-time link
 * that creates the first admin while no user exists among them. SIGTERM or SIGINT
 * stops every camera worker, then the process exits 0; so does the end of the process that
 * started it (npm's shell does not pass signals on, so a stopped `npm run serve` must not leave
 * serve mode behind).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDataDir } from '../node/files';
import { EngineHost } from '../engine/host';
import { NodeLauncher } from '../engine/node-launcher';
import { createLogger, useLogger, type Logger } from '../engine/logger';
import { maskStderr } from '../engine/redaction';
import { projectRoot } from '../engine/paths';
import { parseServeArgs, USAGE, UsageError, type ServeArgs } from './args';
import { isLoopbackHost, isWildcardHost } from './auth';
import { describePortInUse, listenWithFallback } from './listen';
import { loadOrCreateToken } from './token-store';
import { addUser } from './add-user';
import { UsersStore } from './users';

function fail(message: string, code = 2): never {
  process.stderr.write(`serve: ${message}\n`);
  process.exit(code);
}

function parse(): ServeArgs {
  try {
    const args = parseServeArgs(process.argv.slice(2));
    if (args === 'help') {
      process.stderr.write(USAGE);
      process.exit(0);
    }
    return args;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
}

/** The camera worker built beside this file (out/serve/camera-worker.js). */
function builtWorker(): string {
  const file = fileURLToPath(new URL('./camera-worker.js', import.meta.url));
  if (!existsSync(file)) fail(`the camera worker ${file} is missing: serve mode runs from its build (npm run build, or npm run serve which builds first)`, 1);
  return file;
}

/** A FIFO or a device would block the first read forever: only a regular file (or none) will do. */
function checkConfigFile(file: string): void {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return; // missing: created on the first save; unreadable: the config store says why
  }
  if (stat.isDirectory()) fail(`--config ${file} is a folder; name a file in it (e.g. ${path.join(file, 'config.json')})`);
  if (!stat.isFile()) fail(`--config ${file} is not a regular file (a FIFO, socket or device); name a JSON file`);
}

/** The certificate and key, read once at start; a file that cannot be read stops serve mode with the reason. */
function readTls(files: { cert: string; key: string }): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      fail(`cannot read the TLS ${what} ${file}: ${(err as Error).message}`);
    }
  };
  return { cert: read(files.cert, 'certificate'), key: read(files.key, 'key') };
}

async function main(): Promise<void> {
  // Before anything can print: no line on stderr carries a password (the engine adds the config's).
  maskStderr();
  const args = parse();
  if (args.addUser) process.exit(await addUser(args));
  // Off loopback, plain HTTP would carry passwords, cookies and the token in clear text.
  if (!isLoopbackHost(args.host) && !args.tls && !args.insecureHttp) {
    const where = isWildcardHost(args.host) ? 'every interface' : args.host;
    fail(`refusing to listen on ${where} over plain HTTP: passwords, session cookies and the token would cross the network unencrypted. Give --tls-cert FILE --tls-key FILE, or --insecure-http to do it anyway (e.g. behind a reverse proxy that adds TLS).`);
  }
  const tls = args.tls ? readTls(args.tls) : undefined;
  const log: Logger = useLogger(createLogger({ level: args.logLevel }));
  fatal = (err) => log.fatal({ err }, 'serve: stopped by an error');
  checkConfigFile(args.config);
  const dataDir = path.dirname(args.config);
  let token;
  try {
    ensureDataDir(dataDir);
  } catch (err) {
    // Serve mode starts anyway: the token lives for this run, and saving the config says why it cannot.
    log.warn(`serve: cannot make the folder ${dataDir}: ${(err as Error).message}`);
  }
  try {
    token = loadOrCreateToken(dataDir, args.newToken);
  } catch (err) {
    fail(`cannot keep the access token in ${dataDir}: ${(err as Error).message}`, 1);
  }
  let users;
  try {
    users = new UsersStore(dataDir);
  } catch (err) {
    fail(`cannot read the accounts: ${(err as Error).message}`, 1);
  }
  log.info({ pid: process.pid, config: args.config }, `serve: pid ${process.pid}, configuration ${args.config}`);
  // The token store says what it did; a note that starts with WARNING is a warning.
  const warning = token.note.startsWith('WARNING: ');
  log[warning ? 'warn' : 'info']({ file: token.file }, `serve: ${warning ? token.note.slice('WARNING: '.length) : token.note}`);

  let engine: EngineHost | null = null;
  let stopServer: (() => Promise<void>) | null = null;
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) {
      log.warn(`serve: ${why} again, exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log.info(`serve: ${why}, stopping the camera workers`);
    void (async () => {
      try {
        await engine?.stop();
        await stopServer?.();
      } catch (err) {
        log.error({ err }, 'serve: error while stopping');
      }
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // npm runs scripts through a shell that dies on SIGTERM without passing it on: when the process
  // that started this one goes, this one stops too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('the process that started serve mode exited');
  }, 500).unref();

  const rendererDir = path.join(projectRoot(), 'out', 'renderer-web');
  engine = new EngineHost({ configFile: args.config, launcher: new NodeLauncher({ workerFile: builtWorker() }), log, eventsDir: args.data });
  log.info({ data: args.data }, `serve: events in ${args.data}`);
  let server;
  try {
    server = await listenWithFallback(args, { engine, rendererDir, token: token.token, allowHosts: args.allowHosts, log, users, tls, sessionTtlMs: args.sessionTtlMs });
  } catch (err) {
    // A start-up refusal, not a log record: plain text.
    process.stderr.write(`serve: ${await describePortInUse(err, args)}\n`);
    await engine.stop();
    process.exit(1);
  }
  stopServer = () => server.close();
  if (stopping) return;
  if (!isLoopbackHost(args.host)) {
    const where = isWildcardHost(args.host) ? 'every interface' : args.host;
    log.warn(`serve: listening on ${where}, not on loopback${tls ? '' : ', over plain HTTP (--insecure-http)'}: anyone who can reach this address and has the token or an account can see the cameras.`);
  }
  engine.start();
  // While nobody has an account: a one-time link to the first admin (besides --add-user), logged
  // before the URL is printed so that whoever waits for the URL finds it. The code is useless once used.
  if (server.setupUrl) log.warn(`serve: no account exists yet; create the first admin (one-time link): ${server.setupUrl}`);
  process.stdout.write(`${server.url}\n`);
}

/** Before the logger exists (a bad command line), an error is plain text. */
let fatal = (err: unknown): void => {
  process.stderr.write(`serve: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
};

void main().catch((err) => {
  fatal(err);
  process.exit(1);
});
