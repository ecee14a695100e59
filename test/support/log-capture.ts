/** A real logger (src/engine/logger.ts) whose JSON lines are kept, parsed, for a test to look at. */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/engine/logger';

export interface LogRecord {
  level: number;
  msg: string;
  camera?: string;
  pid?: number;
  [field: string]: unknown;
}

/** The log records in a process's stderr (its JSON lines; plain-text lines are skipped). */
export function parseLogRecords(text: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as LogRecord);
    } catch {
      // a line cut short by the process's end
    }
  }
  return records;
}

/** pino's level numbers. */
export const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

export function captureLogger(level: 'trace' | 'debug' | 'info' = 'info'): { log: Logger; records: LogRecord[]; lines: string[] } {
  const lines: string[] = [];
  const records: LogRecord[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        lines.push(line);
        records.push(JSON.parse(line) as LogRecord);
      }
      done();
    },
  });
  return { log: createLogger({ level, pretty: false, destination }), records, lines };
}
