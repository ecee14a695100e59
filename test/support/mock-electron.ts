/**
 * MOCK of the `electron` module, for tests of the Electron-only code without the Electron runtime
 * (it cannot be downloaded here). Use it with `vi.mock('electron', () => import('../support/mock-electron'))`.
 *
 * utilityProcess.fork is stood in for by child_process.fork of the real module (through tsx), so the
 * processes are real; Chromium's two reports of a utility process's end are both given: 'exit' with
 * a code, then app's 'child-process-gone' with the reason. MessageChannelMain gives two inert ports
 * (the worker gets the messages that carried them, without the ports; the record counts them),
 * ipcMain is a handler table, app.getPath('userData') is `mockState.userData`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ForkRecord {
  serviceName?: string;
  pid?: number;
  transfers: number;
  /** Each message main posted to this process: its type and how many ports went with it. */
  posted: Array<{ type: unknown; ports: number }>;
  execArgv: string[];
  /** app's 'child-process-gone' was emitted for it (after its exit). */
  gone: boolean;
}

export const mockState = {
  userData: '',
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
  forks: [] as ForkRecord[],
};

const require = createRequire(import.meta.url);
const tsx = pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
const appEvents = new EventEmitter();

class MockUtilityProcess extends EventEmitter {
  private readonly child: ChildProcess;
  readonly stdout;
  readonly stderr;
  private readonly record: ForkRecord;

  constructor(modulePath: string, options: { serviceName?: string; env?: NodeJS.ProcessEnv; execArgv?: string[] }) {
    super();
    const execArgv = [...(options.execArgv ?? []), '--import', tsx];
    this.child = fork(modulePath, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: options.env });
    this.stdout = this.child.stdout;
    this.stderr = this.child.stderr;
    this.record = { serviceName: options.serviceName, pid: this.child.pid, transfers: 0, posted: [], execArgv, gone: false };
    mockState.forks.push(this.record);
    this.child.on('spawn', () => this.emit('spawn'));
    this.child.on('message', (m) => this.emit('message', m));
    // 'exit' first, then 'child-process-gone' with the reason: the harder order for the launcher.
    this.child.on('exit', (code, signal) => {
      this.emit('exit', code ?? 1);
      const reason = signal === 'SIGSEGV' ? 'crashed' : signal ? 'killed' : code === 0 ? 'clean-exit' : 'abnormal-exit';
      setTimeout(() => {
        this.record.gone = true;
        appEvents.emit('child-process-gone', {}, { type: 'Utility', serviceName: options.serviceName, reason, exitCode: code ?? -1 });
      }, 10);
    });
  }

  get pid() {
    return this.child.pid;
  }

  postMessage(message: unknown, transfer?: unknown[]) {
    // A real utility process would receive the MessagePortMain; the mock counts it.
    if (transfer?.length) this.record.transfers += transfer.length;
    this.record.posted.push({ type: (message as { type?: unknown } | null)?.type, ports: transfer?.length ?? 0 });
    if (this.child.connected) this.child.send(message as object);
  }

  kill() {
    return this.child.kill('SIGTERM');
  }
}

class MockPort {
  closed = false;
  close() {
    this.closed = true;
  }
}

export const app = {
  on: (event: string, listener: (...args: unknown[]) => void) => appEvents.on(event, listener),
  getPath: (name: string) => {
    if (name !== 'userData') throw new Error(`unexpected getPath(${name})`);
    return mockState.userData;
  },
  getAppMetrics: () => [],
};

export const ipcMain = {
  handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => mockState.handlers.set(channel, handler),
  removeHandler: (channel: string) => mockState.handlers.delete(channel),
};

export class MessageChannelMain {
  port1 = new MockPort();
  port2 = new MockPort();
}

export const utilityProcess = {
  fork: (modulePath: string, _args: string[], options: { serviceName?: string; env?: NodeJS.ProcessEnv; execArgv?: string[] }) => new MockUtilityProcess(modulePath, options),
};
