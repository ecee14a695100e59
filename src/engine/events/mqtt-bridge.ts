/**
 * What the app says on MQTT and what it takes from it, the Frigate way (topics: mqtt-topics.ts):
 *   PREFIX/events                 {"type":"new"|"update"|"end","before":{...},"after":{...}}
 *   PREFIX/CAMERA/LABEL           live tracks of that label on that camera (retained)
 *   PREFIX/CAMERA/LABEL/snapshot  the best JPEG of the label's latest event (retained)
 *   PREFIX/CAMERA/motion          ON / OFF, once the camera reports motion (retained)
 *   PREFIX/CAMERA/detect/set      command: ON / OFF switches the camera's events on or off
 *   PREFIX/CAMERA/detect/state    the answer, and the state whenever it changes (retained)
 * plus Home Assistant discovery (ha-discovery.ts), published again when `homeassistant/status`
 * says online. A camera that goes away leaves nothing retained: its configs and state topics are
 * emptied. Commands and statuses are validated (contracts/mqtt.ts); a bad one gets a log line and
 * changes nothing.
 */
import type { EventChange, EventRecord } from '../../shared/contracts/events';
import { commandText, DetectCommand, HomeAssistantStatus } from '../../shared/contracts/mqtt';
import { labelKey } from '../../shared/labels';
import { discoveryMessages, type DiscoveryCamera } from './ha-discovery';
import type { MqttPublisher } from './mqtt';
import { cameraSlugs, cameraTopics } from './mqtt-topics';

/** A camera as MQTT sees it. */
export interface BridgeCamera {
  id: string;
  name: string;
  /** The model's name, shown as the device's model in Home Assistant. */
  model: string;
  /** The labels it reports (entities are made for these, and for any label it later reports). */
  labels: readonly string[];
  /** Its events are on (the detect switch). */
  detect: boolean;
}

export interface MqttBridgeOptions {
  prefix: string;
  homeAssistant: boolean;
  discoveryPrefix: string;
  /** Live tracks of a label on a camera now. */
  liveCount: (cameraId: string, label: string) => number;
  /** Switches a camera's events on or off; resolves once the change is made (or refused). */
  setDetect: (cameraId: string, on: boolean) => Promise<void>;
  log: (line: string) => void;
}

interface Known {
  camera: BridgeCamera;
  slug: string;
  labels: Set<string>;
  motion: boolean | undefined;
  /** Discovery config topics published for it. */
  configs: Set<string>;
}

export class MqttBridge {
  private readonly cameras = new Map<string, Known>();
  /** Each live event as last published (the next message's `before`). */
  private readonly lastSeen = new Map<string, EventRecord>();

  constructor(
    private readonly publisher: MqttPublisher,
    private readonly options: MqttBridgeOptions,
  ) {
    const topics = [`${options.prefix}/+/detect/set`];
    if (options.homeAssistant) topics.push(`${options.discoveryPrefix}/status`);
    publisher.subscribe(topics, (topic, payload) => this.receive(topic, payload));
  }

  /** The cameras now (at start and after every configuration change). */
  setCameras(cameras: readonly BridgeCamera[]): void {
    const slugs = cameraSlugs(cameras, new Map([...this.cameras].map(([id, known]) => [id, known.slug])));
    const ids = new Set(cameras.map((c) => c.id));
    for (const [id, known] of this.cameras) {
      if (ids.has(id)) continue;
      this.clearState(known);
      for (const topic of known.configs) this.publisher.clear(topic);
      this.cameras.delete(id);
    }
    for (const camera of cameras) {
      const slug = slugs.get(camera.id)!;
      let known = this.cameras.get(camera.id);
      if (known && known.slug !== slug) this.clearState(known);
      if (!known) {
        known = { camera, slug, labels: new Set(), motion: undefined, configs: new Set() };
        this.cameras.set(camera.id, known);
      }
      Object.assign(known, { camera, slug });
      for (const label of camera.labels) known.labels.add(labelKey(label));
      this.publishState(known);
      this.publishDiscovery(known);
    }
  }

  /** An event's change: on PREFIX/events, and the label's count. */
  eventChange(change: EventChange): void {
    const after = change.event;
    const before = this.lastSeen.get(after.id) ?? after;
    if (change.type === 'end') this.lastSeen.delete(after.id);
    else this.lastSeen.set(after.id, after);
    this.publisher.publishOnce(`${this.options.prefix}/events`, JSON.stringify({ type: change.type, before, after }));
    const known = this.cameras.get(after.camera);
    if (!known) return;
    this.addLabel(known, after.label);
    this.publisher.retain(this.topics(known).count(after.label), String(this.options.liveCount(after.camera, after.label)));
  }

  /** The best picture of a label's latest event on a camera. */
  snapshot(cameraId: string, label: string, jpeg: Uint8Array): void {
    const known = this.cameras.get(cameraId);
    if (!known) return;
    this.addLabel(known, label);
    this.publisher.retain(this.topics(known).snapshot(label), Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
  }

  /** Motion on a camera now; undefined while it has none to report (not engine-side, detect always). */
  motion(cameraId: string, on: boolean | undefined): void {
    const known = this.cameras.get(cameraId);
    if (!known || on === undefined) return;
    const first = known.motion === undefined;
    known.motion = on;
    this.publisher.retain(this.topics(known).motion, on ? 'ON' : 'OFF');
    if (first) this.publishDiscovery(known);
  }

  private topics(known: Known) {
    return cameraTopics(this.options.prefix, known.slug);
  }

  private addLabel(known: Known, label: string): void {
    const key = labelKey(label);
    if (known.labels.has(key)) return;
    known.labels.add(key);
    this.publishDiscovery(known);
  }

  private publishState(known: Known): void {
    const topics = this.topics(known);
    this.publisher.retain(topics.detectState, known.camera.detect ? 'ON' : 'OFF');
    for (const label of known.labels) this.publisher.retain(topics.count(label), String(this.options.liveCount(known.camera.id, label)));
    if (known.motion !== undefined) this.publisher.retain(topics.motion, known.motion ? 'ON' : 'OFF');
  }

  /** Empties the retained state topics under the camera's slug (removed or renamed). */
  private clearState(known: Known): void {
    const topics = this.topics(known);
    this.publisher.clear(topics.detectState);
    this.publisher.clear(topics.motion);
    for (const label of known.labels) {
      this.publisher.clear(topics.count(label));
      this.publisher.clear(topics.snapshot(label));
    }
  }

  private publishDiscovery(known: Known): void {
    const { prefix, discoveryPrefix, homeAssistant } = this.options;
    const camera: DiscoveryCamera = { ...known.camera, slug: known.slug, labels: [...known.labels], motion: known.motion !== undefined };
    for (const message of discoveryMessages(prefix, discoveryPrefix, camera)) {
      if (homeAssistant) {
        known.configs.add(message.topic);
        this.publisher.retain(message.topic, JSON.stringify(message.config));
      } else {
        // Discovery turned off: entities an earlier start made are removed.
        this.publisher.clear(message.topic);
      }
    }
  }

  private receive(topic: string, payload: Buffer): void {
    const { prefix, discoveryPrefix } = this.options;
    const text = commandText(payload);
    if (topic === `${discoveryPrefix}/status`) {
      const status = text.ok ? HomeAssistantStatus.safeParse(text.text) : null;
      if (!status?.success) return this.options.log(`MQTT: ${topic} ignored: ${text.ok ? 'the payload must be online or offline' : text.error}`);
      // Home Assistant restarted: it forgets discovered entities until their configs come again.
      if (status.data === 'online') this.publisher.republish(() => true);
      return;
    }
    if (!topic.startsWith(`${prefix}/`)) return;
    const [slug, ...rest] = topic.slice(prefix.length + 1).split('/');
    if (rest.join('/') !== 'detect/set') return;
    const known = [...this.cameras.values()].find((k) => k.slug === slug);
    if (!known) return this.options.log(`MQTT: ${topic} ignored: no camera is named ${slug} (cameras: ${[...this.cameras.values()].map((k) => k.slug).join(', ') || 'none'})`);
    const command = text.ok ? DetectCommand.safeParse(text.text) : null;
    if (!command?.success) return this.options.log(`MQTT: ${topic} ignored: ${text.ok ? `the payload must be ON or OFF, not ${JSON.stringify(text.text.slice(0, 20))}` : text.error}`);
    const id = known.camera.id;
    void this.options
      .setDetect(id, command.data === 'ON')
      .catch((err: Error) => this.options.log(`MQTT: ${topic} failed: ${err.message}`))
      .then(() => {
        // Answered on …/state with the state now, changed or not.
        const now = this.cameras.get(id);
        if (now) this.publisher.retain(this.topics(now).detectState, now.camera.detect ? 'ON' : 'OFF', true);
      });
  }
}
