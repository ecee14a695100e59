/**
 * Serve mode's accounts: `serve-users.json` in the configuration's folder, mode 0600, written
 * atomically (src/node/files), holding each user's name, role and scrypt hash (node:crypto; a
 * random 16-byte salt per user, N=16384, r=8, p=1, 32-byte key). No password is ever stored or
 * logged. The file is read again whenever it changed on disk, so `--add-user` takes effect on a
 * running serve mode at the next sign-in.
 */
import { lstatSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { writeFileAtomic } from '../node/files';
import { ROLES, type Role } from './access';

export const USERS_FILE_NAME = 'serve-users.json';

/** A user name: letters, digits, `.`, `_`, `-`, `@`; 1 to 64 characters, starting with a letter or digit. */
export const USER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

const StoredUser = z.object({
  name: z.string().regex(USER_NAME_PATTERN),
  role: z.enum(ROLES),
  scrypt: z.object({
    N: z.number().int().min(1024).max(1 << 20),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    salt: z.string().min(16).max(200),
    hash: z.string().min(16).max(200),
  }),
});
export type StoredUser = z.infer<typeof StoredUser>;
const UsersFile = z.object({ users: z.array(StoredUser).max(1000) });

export interface PublicUser {
  name: string;
  role: Role;
}

/** Why a name or password is refused, or null when it is fine. */
export function userNameProblem(name: string): string | null {
  return USER_NAME_PATTERN.test(name) ? null : 'a user name is 1 to 64 letters, digits, ".", "_", "-" or "@", starting with a letter or digit';
}

export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `a password has at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return null;
}

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }, keyLength: number): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<StoredUser['scrypt']> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, SCRYPT, SCRYPT.keyLength);
  return { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

export async function passwordMatches(password: string, stored: StoredUser['scrypt']): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const expected = Buffer.from(stored.hash, 'base64');
  const given = await derive(password, Buffer.from(stored.salt, 'base64'), stored, expected.length);
  return timingSafeEqual(expected, given);
}

/** A hash nobody's password matches, checked for unknown names so they take as long as known ones. */
let decoy: Promise<StoredUser['scrypt']> | null = null;

export class UsersStore {
  readonly file: string;
  private users: StoredUser[] = [];
  /** mtime and size of the file last read; a change means read it again. */
  private seen = '';

  constructor(dataDir: string) {
    this.file = path.join(dataDir, USERS_FILE_NAME);
    this.reload();
  }

  /** The users as the file now holds them. Throws when the file is there but unusable. */
  private reload(): void {
    let stat;
    try {
      stat = lstatSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.users = [];
      this.seen = 'none';
      return;
    }
    if (!stat.isFile()) throw new Error(`${this.file} is not a regular file; the app does not read accounts through links`);
    const seen = `${stat.mtimeMs}:${stat.size}`;
    if (seen === this.seen) return;
    let parsed;
    try {
      parsed = UsersFile.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch (err) {
      throw new Error(`${this.file} is not JSON (${(err as Error).name}); fix it or move it aside`);
    }
    if (!parsed.success) throw new Error(`${this.file} is not a users file: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    this.users = parsed.data.users;
    this.seen = seen;
  }

  private fresh(): StoredUser[] {
    try {
      this.reload();
    } catch {
      // A file broken while serve mode runs: keep the users read last.
    }
    return this.users;
  }

  get count(): number {
    return this.fresh().length;
  }

  find(name: string): StoredUser | undefined {
    return this.fresh().find((u) => u.name === name);
  }

  list(): PublicUser[] {
    return this.fresh().map((u) => ({ name: u.name, role: u.role }));
  }

  /** Adds a user, or sets an existing one's password and role. Returns whether it was new. */
  async put(name: string, role: Role, password: string): Promise<boolean> {
    const problem = userNameProblem(name) ?? passwordProblem(password);
    if (problem) throw new Error(problem);
    const scrypt = await hashPassword(password);
    this.reload();
    const existing = this.users.some((u) => u.name === name);
    const users = [...this.users.filter((u) => u.name !== name), { name, role, scrypt }];
    writeFileAtomic(this.file, `${JSON.stringify({ users }, null, 2)}\n`);
    this.users = users;
    this.seen = '';
    return !existing;
  }

  /** The user when the name and password match; checks a decoy hash for an unknown name. */
  async verify(name: string, password: string): Promise<StoredUser | null> {
    const user = this.find(name);
    if (!user) {
      decoy ??= hashPassword(randomBytes(12).toString('base64'));
      await passwordMatches(password, await decoy);
      return null;
    }
    return (await passwordMatches(password, user.scrypt)) ? user : null;
  }
}
