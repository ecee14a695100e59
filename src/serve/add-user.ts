/**
 * `npm run serve -- --add-user NAME [--role viewer|admin]`: asks for the password and writes the
 * user into the configuration folder's users file (users.ts), then exits; serve mode is not
 * started. On a terminal the password is typed twice and not echoed; when stdin is not a terminal
 * (a script, a test) its first line is the password.
 */
import path from 'node:path';
import type { ServeArgs } from './args';
import { ensureDataDir } from '../node/files';
import { passwordProblem, UsersStore } from './users';

/** Reads one line from a terminal in raw mode, showing nothing of it. Rejects on Ctrl-C or Ctrl-D. */
function readHidden(prompt: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  // Raw mode (no echo) before the prompt: whatever is typed after the prompt shows is never echoed.
  input.setRawMode(true);
  output.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error: Error | null) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003' || (ch === '\u0004' && typed === '')) return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    input.resume();
    input.on('data', onData);
  });
}

/** The first line of a stream that is not a terminal (its end, if it has no line break). */
async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '');
    if (text.length > 4096) break;
  }
  return text.replace(/\r?\n?$/, '');
}

export async function readNewPassword(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (!input.isTTY) return readFirstLine(input);
  for (;;) {
    const first = await readHidden('password: ', input, output);
    const problem = passwordProblem(first);
    if (problem) {
      output.write(`${problem}; try again\n`);
      continue;
    }
    if ((await readHidden('password again: ', input, output)) === first) return first;
    output.write('the two passwords differ; try again\n');
  }
}

/** Adds the user args.addUser names; returns the exit code. */
export async function addUser(args: ServeArgs): Promise<number> {
  const { name, role } = args.addUser!;
  const dataDir = path.dirname(args.config);
  try {
    ensureDataDir(dataDir);
    const store = new UsersStore(dataDir);
    const password = await readNewPassword();
    const problem = passwordProblem(password);
    if (problem) {
      process.stderr.write(`serve: ${problem}; no user added\n`);
      return 2;
    }
    const added = await store.put(name, role, password);
    process.stderr.write(`serve: ${added ? 'added' : 'changed'} ${role} ${name} in ${store.file}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`serve: cannot add ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}
