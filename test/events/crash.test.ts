/**
 * Crash safety of the store under dense writes, on real processes: a writer process stores events
 * with snapshots through the engine's EventService as fast as it can (about a hundred writes a second,
 * so kills land inside file writes, renames and transactions) and is SIGKILLed 10 times at random
 * moments. After every kill the database opens, passes PRAGMA integrity_check, and every row has
 * its snapshot file or is open; opening the store closes the open ones and sweeps orphan and temp
 * files. Serve mode itself, killed 20 times while its camera makes events, is
 * serve-crash.test.ts; this one adds the write density a real camera does not reach.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE, EventStore } from '../../src/engine/events/store';
import { integrityCheck, openDatabase } from '../../src/engine/events/db';
import { SnapshotFiles } from '../../src/engine/events/files';
import { pidAlive, sleep } from '../support/process';
import { tempDir } from './helpers';

const t = tempDir();
afterAll(() => t.remove());

async function runAndKill(): Promise<void> {
  const writer = path.join(import.meta.dirname, 'fixtures', 'writer.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', writer, t.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + 30_000;
    while (!out.includes('ready')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`writer did not start: ${err}`);
      await sleep(20);
    }
    await sleep(50 + Math.random() * 1500);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  expect(pidAlive(child.pid!)).toBe(false);
  expect(err).toBe('');
}

describe('events survive SIGKILL', () => {
  it('10 kills at random moments of a dense writer: consistent database, no closed row without its snapshot', async () => {
    let rowsSeen = 0;
    for (let i = 0; i < 10; i++) {
      await runAndKill();
      // Look at the database as the crash left it, before the store's own recovery.
      const db = openDatabase(path.join(t.dir, DB_FILE));
      expect(integrityCheck(db)).toBe('ok');
      const rows = db.prepare('SELECT id, end, has_snapshot FROM events').all() as { id: string; end: number | null; has_snapshot: number }[];
      db.close();
      const files = new SnapshotFiles(path.join(t.dir, 'snapshots'));
      for (const r of rows) {
        if (r.end !== null || r.has_snapshot) {
          expect(r.has_snapshot, `row ${r.id}`).toBe(1);
          expect(fs.existsSync(files.path(r.id, 'snapshot')), `file of ${r.id}`).toBe(true);
          expect(fs.existsSync(files.path(r.id, 'crop')), `crop of ${r.id}`).toBe(true);
        }
      }
      const open = rows.filter((r) => r.end === null).length;
      const store = EventStore.open(t.dir);
      expect(store.closedOnOpen).toBe(open);
      expect(store.query({ limit: 500 }).events.every((e) => e.end !== null)).toBe(true);
      // Every file left belongs to a row (orphans were swept).
      const names = fs.readdirSync(store.files.dir);
      expect(names.every((n) => rows.some((r) => n.startsWith(`${r.id}.`)))).toBe(true);
      store.close();
      rowsSeen = rows.length;
    }
    expect(rowsSeen).toBeGreaterThan(20);
  }, 600_000);
});
