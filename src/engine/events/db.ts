/**
 * The events database: SQLite through libsql (better-sqlite3's API, Node-API binaries shipped in
 * the npm package, so the same build loads in Electron). WAL journal, versioned migrations kept in
 * PRAGMA user_version, each applied in its own transaction.
 */
import Database from 'libsql';

export type Db = InstanceType<typeof Database>;

/** Migration N brings the schema from version N to N + 1. Append only; never edit a shipped one. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE events (
     id TEXT PRIMARY KEY,
     camera TEXT NOT NULL,
     camera_name TEXT NOT NULL,
     label TEXT NOT NULL,
     start INTEGER NOT NULL,
     end INTEGER,
     last_seen INTEGER NOT NULL,
     score REAL NOT NULL,
     box TEXT NOT NULL,
     zones TEXT NOT NULL DEFAULT '[]',
     has_snapshot INTEGER NOT NULL DEFAULT 0,
     bytes INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX events_by_start ON events (start DESC, id DESC);
   CREATE INDEX events_by_camera ON events (camera, start DESC);
   CREATE INDEX events_open ON events (end) WHERE end IS NULL;`,
  // Labels are keys, lowercase everywhere ("Person" from the objects model's label map is "person").
  `UPDATE events SET label = lower(label) WHERE label <> lower(label);`,
  // Recording segments (src/engine/recording): a row only once ffmpeg has closed the file. path is
  // below DATA/recordings: CAMERA/YYYY-MM-DD/HH/NAME.
  `CREATE TABLE IF NOT EXISTS segments (
     id INTEGER PRIMARY KEY,
     camera TEXT NOT NULL,
     start INTEGER NOT NULL,
     end INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     path TEXT NOT NULL UNIQUE
   );
   CREATE INDEX IF NOT EXISTS segments_by_camera ON segments (camera, start);
   CREATE INDEX IF NOT EXISTS segments_by_start ON segments (start);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** First value of the first row of a statement (libsql's pluck() is not honoured). */
export function scalar(db: Db, sql: string, ...params: unknown[]): unknown {
  const row = db.prepare(sql).raw().get(...params) as unknown[] | undefined;
  return row?.[0];
}

export function openDatabase(file: string): Db {
  const db = new Database(file);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec('PRAGMA journal_mode = WAL');
    // WAL with synchronous NORMAL survives any process crash (SIGKILL); FULL adds power-loss safety.
    db.exec('PRAGMA synchronous = NORMAL');
    migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function migrate(db: Db): void {
  const version = Number(scalar(db, 'PRAGMA user_version'));
  if (version > SCHEMA_VERSION) {
    throw new Error(`the events database is at schema version ${version}, newer than this app knows (${SCHEMA_VERSION})`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    })();
  }
}

export function integrityCheck(db: Db): string {
  return String(scalar(db, 'PRAGMA integrity_check'));
}
