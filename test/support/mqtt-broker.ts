/**
 * A real MQTT broker for the events tests, in its own process on a free loopback port: Debian's
 * mosquitto where it is installed, else aedes from npm (a devDependency). MULTICAM_TEST_BROKER=mosquitto
 * or =aedes picks one (mosquitto then fails if it is missing); MOSQUITTO=/path names the binary.
 * stop() ends the process and waits for it; startBroker(port) brings one back on the same port.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, portOpen } from './ports';
import { untilValue } from './process';
import { systemTool } from './system-tools';

export type BrokerKind = 'mosquitto' | 'aedes';

export interface Broker {
  kind: BrokerKind;
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const START_LIMIT_MS = 30_000;

export function mosquittoPath(): string | null {
  return process.env.MOSQUITTO || systemTool(['mosquitto'], ['/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']);
}

/** Which broker startBroker() starts here. */
export function brokerKind(): BrokerKind {
  const asked = process.env.MULTICAM_TEST_BROKER;
  if (asked === 'mosquitto' || asked === 'aedes') return asked;
  if (asked) throw new Error(`MULTICAM_TEST_BROKER is mosquitto or aedes, not ${asked}`);
  return mosquittoPath() ? 'mosquitto' : 'aedes';
}

interface Started {
  child: ChildProcess;
  /** Removes what the broker's start wrote (mosquitto's config). */
  cleanup: () => void;
}

function startMosquitto(port: number): Started {
  const binary = mosquittoPath();
  if (!binary) throw new Error('MULTICAM_TEST_BROKER=mosquitto, but no mosquitto was found (apt-get install mosquitto, or set MOSQUITTO)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-mosquitto-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const conf = path.join(dir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    return { child: spawn(binary, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] }), cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** The broker's child is plain JavaScript: no loader is needed, under vitest or Playwright. */
async function startAedes(port: number): Promise<Started> {
  const child = fork(path.join(HERE, 'aedes-broker-child.mjs'), [String(port)], { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  return { child, cleanup: () => {} };
}

function ended(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function startBroker(port?: number): Promise<Broker> {
  const kind = brokerKind();
  const p = port ?? (await freePort());
  const { child, cleanup } = kind === 'mosquitto' ? startMosquitto(p) : await startAedes(p);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const spawnFailure: { error: Error | null } = { error: null };
  child.once('error', (err) => (spawnFailure.error = err));
  const kill = () => {
    if (!ended(child)) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  try {
    // Ready once the port takes connections; a broker that exits (port taken, bad config) or cannot be spawned fails at once.
    const state = await untilValue(`the ${kind} broker on 127.0.0.1:${p}`, async () => (spawnFailure.error || ended(child) ? 'failed' : (await portOpen(p)) && 'open'), START_LIMIT_MS, 50);
    if (state === 'failed') throw new Error(`the ${kind} broker did not start on 127.0.0.1:${p} (${spawnFailure.error?.message ?? `exit ${child.exitCode ?? child.signalCode}`}): ${stderr}`);
  } catch (err) {
    kill();
    process.off('exit', kill);
    cleanup();
    throw err;
  }
  return {
    kind,
    url: `mqtt://127.0.0.1:${p}`,
    port: p,
    child,
    stop: async () => {
      if (!ended(child)) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      process.off('exit', kill);
      cleanup();
    },
  };
}
