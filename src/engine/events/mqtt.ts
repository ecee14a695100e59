/**
 * The MQTT connection, with the `mqtt` client: publishes, keeps retained state, and hands what
 * arrives on the topics it subscribes to (commands, Home Assistant's status) to its owner
 * (mqtt-bridge.ts, which knows the topics and payloads).
 *   PREFIX/available       "online" / "offline" (retained; "offline" is also the last will)
 * A broker that goes away is retried with backoff (1 s doubling to 30 s). While disconnected,
 * messages are dropped (counted), never queued without bound, and publishing never blocks the
 * caller. Retained state (counts, snapshots, motion, discovery configs) is published again on
 * every (re)connection, and the subscriptions are made again. A broker that sends a packet over
 * MAX_INCOMING_PACKET_BYTES is disconnected as soon as its header says so (mqtt-packet-limit.ts).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { MAX_INCOMING_PACKET_BYTES, watchPacketSizes } from './mqtt-packet-limit';
import { backoffDelay } from '../../shared/backoff';

export interface MqttSettings {
  url: string;
  username?: string;
  password?: string;
  prefix: string;
}

export type MqttPayload = string | Buffer;

export type MqttState = 'connecting' | 'connected' | 'disconnected' | 'closed';
export interface MqttStatus {
  state: MqttState;
  error?: string;
  /** When disconnected: the next attempt, ms since epoch. */
  retryAt?: number;
  published: number;
  dropped: number;
}

const FIRST_RETRY_MS = 1000;
/** How long close() waits for the broker's acknowledgement of each step. */
const CLOSE_WAIT_MS = 2000;

/** True when the promise settled within CLOSE_WAIT_MS. */
function withinWait(done: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS)));
  return Promise.race([done.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
const MAX_RETRY_MS = 30_000;

export class MqttPublisher {
  private client: MqttClient;
  /** Retries since the last connection. */
  private retries = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Retained topics and what they hold now: published again on every connection. */
  private readonly retained = new Map<string, MqttPayload>();
  /** Retained topics to empty once connected (cleared while the broker was away). */
  private readonly pendingClears = new Set<string>();
  private readonly subscriptions = new Set<string>();
  private readonly messageListeners = new Set<(topic: string, payload: Buffer) => void>();
  private closing = false;
  status: MqttStatus = { state: 'connecting', published: 0, dropped: 0 };

  constructor(
    private readonly settings: MqttSettings,
    private readonly onStatus: (status: MqttStatus) => void = () => {},
  ) {
    const prefix = settings.prefix;
    this.client = mqtt.connect(settings.url, {
      username: settings.username,
      password: settings.password,
      reconnectPeriod: 0, // reconnection is ours, with backoff
      connectTimeout: 10_000,
      queueQoSZero: false,
      will: { topic: `${prefix}/available`, payload: Buffer.from('offline'), retain: true, qos: 1 },
    });
    this.client.on('connect', () => {
      this.retries = 0;
      this.setStatus({ state: 'connected', error: undefined, retryAt: undefined });
      this.client.publish(`${prefix}/available`, 'online', { retain: true, qos: 1 });
      for (const topic of this.pendingClears) this.client.publish(topic, '', { retain: true, qos: 1 });
      this.pendingClears.clear();
      for (const [topic, payload] of this.retained) this.client.publish(topic, payload, { retain: true, qos: 1 });
      if (this.subscriptions.size > 0) this.client.subscribe([...this.subscriptions], { qos: 1 });
    });
    this.client.on('message', (topic, payload) => {
      for (const listener of this.messageListeners) listener(topic, payload);
    });
    this.client.on('error', (err) => this.setStatus({ error: err.message }));
    this.client.on('close', () => this.scheduleRetry());
    // Each connection has a new stream, created right after 'reconnect' is emitted and before any
    // byte can arrive on it: watch it from its first byte.
    this.guardStream();
    this.client.on('reconnect', () => queueMicrotask(() => this.guardStream()));
  }

  private readonly guarded = new WeakSet<object>();

  /** Closes the connection when the broker declares a packet over the limit, before it is buffered. */
  private guardStream(): void {
    const stream = this.client.stream;
    if (!stream || this.guarded.has(stream)) return;
    this.guarded.add(stream);
    watchPacketSizes(stream, MAX_INCOMING_PACKET_BYTES, (declared) => {
      this.setStatus({ error: `the broker sent a packet of ${declared} bytes; at most ${MAX_INCOMING_PACKET_BYTES / 1024} KB is accepted, so the connection was closed` });
      stream.destroy();
    });
  }

  get prefix(): string {
    return this.settings.prefix;
  }

  /** A message that is not kept by the broker (PREFIX/events). */
  publishOnce(topic: string, payload: MqttPayload): void {
    this.publish(topic, payload, false);
  }

  /** Retained state: published now if it changed (or `force`), and again on every connection. */
  retain(topic: string, payload: MqttPayload, force = false): void {
    const held = this.retained.get(topic);
    if (!force && held !== undefined && (held === payload || (Buffer.isBuffer(held) && Buffer.isBuffer(payload) && held.equals(payload)))) return;
    this.retained.set(topic, payload);
    this.pendingClears.delete(topic);
    this.publish(topic, payload, true);
  }

  /** Removes a retained message from the broker (an empty retained message), now or once connected. */
  clear(topic: string): void {
    this.retained.delete(topic);
    if (this.client.connected) this.publish(topic, '', true);
    else this.pendingClears.add(topic);
  }

  /** Publishes the retained state again (Home Assistant came online). */
  republish(filter: (topic: string) => boolean): void {
    for (const [topic, payload] of this.retained) if (filter(topic)) this.publish(topic, payload, true);
  }

  /** Subscribes now and on every connection; `listener` gets every message that arrives. */
  subscribe(topics: string[], listener: (topic: string, payload: Buffer) => void): void {
    for (const t of topics) this.subscriptions.add(t);
    this.messageListeners.add(listener);
    if (this.client.connected) this.client.subscribe(topics, { qos: 1 });
  }

  /**
   * Says "offline" (retained) and disconnects. A broker that never acknowledges is given
   * CLOSE_WAIT_MS for each step, then the connection is closed without it.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.client.connected) {
      await withinWait(new Promise<void>((resolve) => this.client.publish(`${this.settings.prefix}/available`, 'offline', { retain: true, qos: 1 }, () => resolve())));
    }
    const ended = await withinWait(new Promise<void>((resolve) => this.client.end(false, {}, () => resolve())));
    if (!ended) await new Promise<void>((resolve) => this.client.end(true, {}, () => resolve()));
    this.setStatus({ state: 'closed', retryAt: undefined });
  }

  private publish(topic: string, payload: MqttPayload, retain: boolean): void {
    if (!this.client.connected) {
      this.status.dropped++;
      return;
    }
    this.client.publish(topic, payload, { retain, qos: 1 }, (err) => {
      if (err) this.status.dropped++;
    });
    this.status.published++;
  }

  private scheduleRetry(): void {
    if (this.closing || this.retryTimer) return;
    const wait = backoffDelay({ initialMs: FIRST_RETRY_MS, maxMs: MAX_RETRY_MS }, this.retries++);
    this.setStatus({ state: 'disconnected', retryAt: Date.now() + wait });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closing) return;
      this.setStatus({ state: 'connecting', retryAt: undefined });
      this.client.reconnect();
    }, wait);
    this.retryTimer.unref();
  }

  private setStatus(patch: Partial<MqttStatus>): void {
    this.status = { ...this.status, ...patch };
    this.onStatus({ ...this.status });
  }
}
