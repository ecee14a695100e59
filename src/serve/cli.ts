/**
 * Serve mode: the app in a browser, without Electron.
 *
 *   npm run serve -- [--port N] [--host H] [--config FILE]
 *
 * Prints one line on stdout, the URL to open (it carries the access token); everything else goes
 * to stderr. SIGTERM or SIGINT stops every camera worker, then the process exits 0.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultConfigFile } from '../engine/config/location';
import { EngineHost } from '../engine/host';
import { NodeLauncher } from '../engine/node-launcher';
import { projectRoot } from '../engine/paths';
import { isLoopbackHost } from './auth';
import { ServeServer } from './server';

const USAGE = `usage: npm run serve -- [--port N] [--host H] [--config FILE]

  --port N       port to listen on (0 picks a free one; default 5180)
  --host H       address to listen on (default 127.0.0.1)
  --config FILE  configuration file (AppConfig JSON); changes are saved there
                 (default ${defaultConfigFile()})
`;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function parse(): { port: number; host: string; config: string } {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', short: 'p', default: '5180' },
        host: { type: 'string', default: '127.0.0.1' },
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    process.stderr.write(USAGE);
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a whole number from 0 to 65535, not ${values.port}\n`);
    process.exit(2);
  }
  return { port, host: values.host!, config: path.resolve(values.config ?? defaultConfigFile()) };
}

async function main(): Promise<void> {
  const args = parse();
  const engine = new EngineHost({ configFile: args.config, launcher: new NodeLauncher(), log });
  log(`serve: pid ${process.pid}, configuration ${args.config}`);
  const server = new ServeServer({ engine, host: args.host, port: args.port, rendererDir: path.join(projectRoot(), 'out', 'renderer-web'), log });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log(`serve: ${signal} again, exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log(`serve: ${signal}, stopping the camera workers`);
    void (async () => {
      try {
        await engine.stop();
        await server.close();
      } catch (err) {
        log(`serve: error while stopping: ${(err as Error).message}`);
      }
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await server.listen();
  } catch (err) {
    log(`serve: cannot listen on ${args.host}:${args.port}: ${(err as Error).message}`);
    await engine.stop();
    process.exit(1);
  }
  if (!isLoopbackHost(args.host)) {
    log(
      `serve: WARNING: listening on ${args.host}, not on loopback: anyone who can reach this address and has the token can see the cameras.`,
    );
  }
  engine.start();
  process.stdout.write(`${server.url}\n`);
}

void main().catch((err) => {
  log(`serve: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
