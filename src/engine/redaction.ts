/**
 * Main's side of the credential rules (src/shared/redact.ts): every secret any configuration of
 * this process has held is remembered, and everything that leaves the engine goes through
 * redactText with all of them: config pushes and answers (structurally masked first), snapshots
 * (status reasons, which quote ffmpeg), notices, event status, request errors, and every line this
 * process writes to stderr (its own, its workers' and their ffmpeg's). A password changed a moment
 * ago stays masked too: an old worker may still be printing it.
 */
import type { AppConfig } from '../shared/contracts/config';
import type { ApiEvent, ApiMethod } from '../shared/contracts/engine-api';
import { configSecrets, redactConfig, redactDeep, redactEventSettings, redactText } from '../shared/redact';

/** Enough for many edits of 64 cameras; the oldest are forgotten first. */
const MAX_REMEMBERED = 4096;
const remembered = new Set<string>();
let current: string[] = [];
/** The secrets, and each as JSON writes it inside a string (a quote or backslash escaped). */
let serialized: string[] = [];

/** Adds a configuration's secrets to those every output is masked with. */
export function rememberSecrets(config: AppConfig): void {
  let added = false;
  for (const secret of configSecrets(config)) {
    if (remembered.has(secret)) continue;
    remembered.add(secret);
    added = true;
  }
  if (!added) return;
  while (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.values().next().value!);
  current = [...remembered];
  serialized = [...new Set(current.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
}

/** Any text as it may leave this process. */
export function maskText(text: string): string {
  return redactText(text, current);
}

/** A line of JSON (a log record) as it may leave this process: secrets masked as JSON escapes them too. */
export function maskSerialized(text: string): string {
  return redactText(text, serialized);
}

/** Any JSON-like value (a snapshot, a status) with every string masked. */
export function maskValue<T>(value: T): T {
  return redactDeep(value, current);
}

/** An event as renderers may receive it. */
export function maskEvent(event: ApiEvent): ApiEvent {
  if (event.type === 'config') return { type: 'config', config: redactDeep(redactConfig(event.config), current) };
  return redactDeep(event, current);
}

/** A request's answer as the renderer may receive it (bytes stay bytes). */
export function maskAnswer(method: ApiMethod, value: unknown): unknown {
  if (method === 'getConfig') return redactDeep(redactConfig(value as AppConfig), current);
  if (method === 'setEventSettings') return redactDeep(redactEventSettings(value as AppConfig['events']), current);
  return redactDeep(value, current);
}

let installed = false;

/**
 * Every write to this process's stderr through maskText: serve mode's and the desktop app's log
 * lines come from many places (the engine, the supervisor, forwarded worker lines carrying
 * ffmpeg's words), and none may carry a password. Writes are whole lines in this code base, so a
 * secret is never split between two writes.
 */
export function maskStderr(): void {
  if (installed) return;
  installed = true;
  const write = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string') return write(maskText(chunk), ...rest);
    if (chunk instanceof Uint8Array) return write(maskText(Buffer.from(chunk).toString('utf8')), ...rest);
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
}
