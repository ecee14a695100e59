/**
 * Events inside the engine: the store (EventService), the MQTT publisher when one is configured,
 * and the renderer-facing operations (list, delete, images, status). The host feeds it the track
 * messages its workers send and passes its changes on to every renderer.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import {
  EventSettings,
  type EventChange,
  type EventPage,
  type EventQuery,
  type EventsStatus,
  type MqttConfig,
  type SnapshotKind,
  type TrackMessage,
} from '../../shared/contracts/events';
import { BadCursorError } from './cursor';
import { MqttPublisher } from './mqtt';
import { MqttBridge, type BridgeCamera } from './mqtt-bridge';
import { EventService, type EventNotice } from './service';

export interface EventsHubOptions {
  dataDir: string;
  cameraName: (cameraId: string) => string;
  notice: (notice: EventNotice) => void;
  settings?: EventSettings;
  retentionEveryMs?: number;
  /** MQTT's detect/set command: switches a camera's events on or off. */
  setDetect?: (cameraId: string, on: boolean) => Promise<void>;
  /** Lines for the log (MQTT commands refused). */
  log?: (line: string) => void;
  /** Whether a camera records (its events carry their clip's URL path). */
  recorded?: (cameraId: string) => boolean;
}

export interface EventsHubEvents {
  change: [EventChange];
  status: [EventsStatus];
}

export class EventsHub extends EventEmitter<EventsHubEvents> {
  readonly service: EventService;
  private mqtt: MqttPublisher | null = null;
  private bridge: MqttBridge | null = null;
  private cameras: BridgeCamera[] = [];
  private readonly motion = new Map<string, boolean | undefined>();
  private mqttKey = '';
  private storageError: string | null = null;
  private settings: EventSettings;

  constructor(private readonly options: EventsHubOptions) {
    super();
    this.settings = EventSettings.parse(options.settings ?? {});
    this.service = new EventService({
      dataDir: options.dataDir,
      cameraName: options.cameraName,
      retention: this.retention(),
      retentionEveryMs: options.retentionEveryMs,
      recorded: options.recorded,
      onNotice: (n) => {
        this.storageError = n.message;
        options.notice(n);
        // Opening the store may give a notice before this.service is set: the status goes out once it is.
        if (this.service) this.emit('status', this.status());
      },
    });
    this.service.onChange((change) => this.onChange(change));
    this.configureMqtt(this.settings.mqtt);
  }

  /** A track message from a camera worker, already validated where it arrived. */
  handleTrack(message: TrackMessage): void {
    this.service.handle(message);
    const t = message.track;
    if (message.snapshot && message.kind !== 'end' && this.service.liveCount(t.cameraId, t.label) > 0) this.bridge?.snapshot(t.cameraId, t.label, message.snapshot);
  }

  /** The cameras as MQTT names them (at start and after each configuration change). */
  setCameras(cameras: BridgeCamera[]): void {
    this.cameras = cameras;
    this.bridge?.setCameras(cameras);
  }

  /** Whether a camera sees motion now (undefined: it does not report motion). */
  setMotion(cameraId: string, on: boolean | undefined): void {
    if (this.motion.get(cameraId) === on) return;
    this.motion.set(cameraId, on);
    this.bridge?.motion(cameraId, on);
  }

  /** A camera's worker exited or the camera went away: its open events end. */
  endCamera(cameraId: string): void {
    this.service.endCamera(cameraId);
  }

  applySettings(settings: EventSettings): EventSettings {
    this.settings = EventSettings.parse(settings);
    this.service.setRetention(this.retention());
    this.configureMqtt(this.settings.mqtt);
    this.emit('status', this.status());
    return this.settings;
  }

  list(query: EventQuery): EventPage {
    const store = this.requireStore();
    try {
      return store.query(query);
    } catch (err) {
      if (err instanceof BadCursorError) throw new Error(`invalid cursor: ${err.message}`);
      throw err;
    }
  }

  delete(id: string): boolean {
    return this.requireStore().delete(id);
  }

  /** The file of an event's snapshot or crop, or null for an unknown event. */
  imageFile(id: string, kind: SnapshotKind): string | null {
    return this.service.store?.snapshotFile(id, kind) ?? null;
  }

  image(id: string, kind: SnapshotKind): Uint8Array {
    const file = this.imageFile(id, kind);
    if (!file) throw new Error(`no ${kind} for event ${id}`);
    return new Uint8Array(fs.readFileSync(file));
  }

  status(): EventsStatus {
    return {
      storage: { available: this.service.available, dir: this.options.dataDir, error: this.storageError },
      mqtt: this.mqtt ? { ...this.mqtt.status } : null,
    };
  }

  async close(): Promise<void> {
    this.service.close();
    const mqtt = this.mqtt;
    this.mqtt = null;
    this.bridge = null;
    await mqtt?.close();
  }

  private requireStore() {
    const store = this.service.store;
    if (!store) throw new Error(`events are not available: ${this.storageError ?? 'the store is closed'}`);
    return store;
  }

  private retention() {
    return { maxDays: this.settings.retentionDays, maxMB: this.settings.retentionMB };
  }

  private onChange(change: EventChange): void {
    this.emit('change', change);
    this.bridge?.eventChange(change);
  }

  private configureMqtt(config: MqttConfig | undefined): void {
    const key = config ? JSON.stringify(config) : '';
    if (key === this.mqttKey) return;
    this.mqttKey = key;
    const old = this.mqtt;
    this.mqtt = null;
    this.bridge = null;
    void old?.close();
    if (!config) return;
    this.mqtt = new MqttPublisher(config, () => this.emit('status', this.status()));
    this.bridge = new MqttBridge(this.mqtt, {
      prefix: config.prefix,
      homeAssistant: config.homeAssistant,
      discoveryPrefix: config.discoveryPrefix,
      liveCount: (camera, label) => this.service.liveCount(camera, label),
      setDetect: this.options.setDetect ?? (async () => {}),
      log: this.options.log ?? (() => {}),
    });
    this.bridge.setCameras(this.cameras);
    for (const [id, on] of this.motion) this.bridge.motion(id, on);
  }
}
