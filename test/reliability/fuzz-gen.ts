import { serialize } from 'node:v8';

/**
 * Seeded generators for the fuzz tests: random values and mutations of valid messages. The same
 * seed gives the same sequence, so a failure names the seed that reproduces it.
 */

/** mulberry32: a small, fast 32-bit PRNG; plenty for picking mutations. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIAL_NUMBERS = [0, -0, 1, -1, 0.5, -0.5, 2, 127, 128, 129, 255, 256, 1023, 1024, 1025, 16385, 2 ** 31, -(2 ** 31), 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, Number.MIN_VALUE, NaN, Infinity, -Infinity];
const SPECIAL_STRINGS = ['', ' ', 'frame', 'init', 'stop', 'result', 'ready', 'error', 'stats', 'request', 'getSnapshot', 'addCamera', '__proto__', 'constructor', 'prototype', 'toString', 'cam-1', '../../etc/passwd', 'a'.repeat(65), '\u0000', '\ud800', '😀', 'null', '{"type":"stop"}', '-1', 'NaN'];

export interface ValueOptions {
  /** Only values JSON can carry (for the WebSocket and JSON-based receivers). */
  json?: boolean;
  /** Largest typed array generated. */
  maxBytes?: number;
}

export class Fuzzer {
  readonly random: () => number;

  constructor(
    readonly seed: number,
    private readonly options: ValueOptions = {},
  ) {
    this.random = mulberry32(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  number(): number {
    const n = this.pick([
      () => this.pick(SPECIAL_NUMBERS),
      () => this.int(2000) - 1000,
      () => (this.random() - 0.5) * 10 ** this.int(12),
      () => this.random(),
    ])();
    return this.options.json && !Number.isFinite(n) ? this.int(100) : n;
  }

  string(): string {
    if (this.chance(0.5)) return this.pick(SPECIAL_STRINGS);
    const length = this.chance(0.05) ? 5000 + this.int(5000) : this.int(40);
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(this.chance(0.9) ? 32 + this.int(95) : this.int(0xffff));
    return s;
  }

  bytes(max = this.options.maxBytes ?? 4096): Uint8Array {
    const length = this.chance(0.2) ? this.pick([0, 1, 3, 128 * 128 * 3 - 1, 128 * 128 * 3 + 1, 128 * 128 * 4]) : this.int(max);
    const out = new Uint8Array(Math.min(length, Math.max(max, 128 * 128 * 4)));
    for (let i = 0; i < out.length; i += 97) out[i] = this.int(256);
    return out;
  }

  /** Any value the receiver might be handed; structured-cloneable (or JSON-able with options.json). */
  value(depth = 0): unknown {
    const leaves: Array<() => unknown> = [
      () => this.number(),
      () => this.string(),
      () => this.chance(0.5),
      () => null,
    ];
    if (!this.options.json) {
      leaves.push(
        () => undefined,
        () => this.bytes(),
        () => new Float32Array(this.int(64)),
        () => new Int32Array(this.int(64)),
        () => BigInt(this.int(1000)) * 10n ** 20n,
        () => new Date(this.int(2 ** 31)),
      );
    }
    if (depth >= 4 || this.chance(0.6)) return this.pick(leaves)();
    if (this.chance(0.5)) return Array.from({ length: this.int(6) }, () => this.value(depth + 1));
    const obj: Record<string, unknown> = {};
    const keys = this.int(6);
    for (let i = 0; i < keys; i++) {
      const key = this.chance(0.5) ? this.pick(['type', 'cameraId', 'frameId', 'data', 'config', 'method', 'kind', 'id', 'request']) : this.string().slice(0, 20);
      setOwn(obj, key, this.value(depth + 1));
    }
    return obj;
  }

  /** A copy of `message` with one to three mutations somewhere in it. */
  mutate(message: unknown): unknown {
    let out = clone(message);
    const rounds = 1 + this.int(3);
    for (let i = 0; i < rounds; i++) out = this.mutateOnce(out);
    return out;
  }

  private mutateOnce(root: unknown): unknown {
    // Pick a container inside the message and a key of it, or replace the root itself.
    const containers: Array<Record<string, unknown> | unknown[]> = [];
    const collect = (v: unknown, depth: number) => {
      if (depth > 6 || v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || v instanceof Date) return;
      containers.push(v as Record<string, unknown>);
      for (const child of Object.values(v)) collect(child, depth + 1);
    };
    collect(root, 0);
    if (containers.length === 0 || this.chance(0.03)) return this.chance(0.5) ? this.value() : [root];
    const target = this.pick(containers) as Record<string, unknown>;
    const keys = Object.keys(target);
    const key = keys.length > 0 ? this.pick(keys) : 'x';
    const current = target[key];
    switch (this.int(10)) {
      case 0:
        delete target[key];
        break;
      case 1:
        setOwn(target, this.chance(0.5) ? this.string().slice(0, 30) : this.pick(['__proto__', 'constructor', 'type', 'extra']), this.value());
        break;
      case 2:
        target[key] = this.value();
        break;
      case 3:
        target[key] = typeof current === 'number' ? this.number() : this.string();
        break;
      case 4:
        target[key] = typeof current === 'string' ? this.string() : this.number();
        break;
      case 5:
        target[key] = [current];
        break;
      case 6:
        target[key] = { value: current };
        break;
      case 7:
        if (current instanceof Uint8Array && !this.options.json) target[key] = this.chance(0.5) ? current.slice(0, this.int(current.length + 1)) : this.bytes();
        else target[key] = this.options.json ? null : undefined;
        break;
      case 8:
        target[key] = typeof current === 'string' ? current + this.string() : typeof current === 'number' ? current * -1 - 1 : null;
        break;
      default:
        target[key] = typeof current === 'boolean' ? 'true' : typeof current === 'number' ? String(current) : this.number();
        break;
    }
    return root;
  }
}

/** An own property even for '__proto__' (plain assignment would change the prototype instead). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Deep copy that keeps typed arrays and dates (structuredClone keeps the rest). */
function clone<T>(value: T): T {
  return structuredClone(value);
}

/**
 * Whether child_process.send (advanced serialization) can carry this value: it takes strings,
 * objects, numbers and booleans at the top, and anything the V8 serializer can write.
 */
export function ipcSendable(value: unknown): boolean {
  if (value === null || !['string', 'object', 'number', 'boolean'].includes(typeof value)) return false;
  try {
    serialize(value);
    return true;
  } catch {
    return false;
  }
}
