/**
 * Home Assistant MQTT discovery (https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery):
 * the retained config messages that make one Home Assistant device per camera, with
 *  - per label: a binary_sensor (occupancy: ON while a track of that label is live), a sensor (how
 *    many), and an image entity showing the label's latest snapshot;
 *  - per camera: a switch for detection (events on or off) and, once the camera reports motion, a
 *    motion binary_sensor.
 * Every entity is available while `PREFIX/available` says online. Discovery topics name the
 * camera by its id (stable when it is renamed); state topics by its name's slug (mqtt-topics.ts).
 * An empty retained message on a config topic removes the entity.
 */
import { displayLabel } from '../../shared/labels';
import { cameraTopics, slug } from './mqtt-topics';

export interface DiscoveryCamera {
  id: string;
  name: string;
  slug: string;
  model: string;
  labels: readonly string[];
  /** The camera has reported motion (engine-side, detect mode motion). */
  motion: boolean;
}

export interface DiscoveryMessage {
  topic: string;
  config: Record<string, unknown>;
}

const MANUFACTURER = 'multicam-recognition';

/** Home Assistant's node_id for a camera: unique per app instance (prefix) and camera id. */
export function nodeId(prefix: string, cameraId: string): string {
  return slug(`multicam_${prefix}_${cameraId}`);
}

export function discoveryMessages(prefix: string, discoveryPrefix: string, camera: DiscoveryCamera): DiscoveryMessage[] {
  const node = nodeId(prefix, camera.id);
  const topics = cameraTopics(prefix, camera.slug);
  const common = {
    availability_topic: `${prefix}/available`,
    payload_available: 'online',
    payload_not_available: 'offline',
    device: { identifiers: [node], name: camera.name, manufacturer: MANUFACTURER, model: camera.model },
  };
  const entity = (component: string, objectId: string, config: Record<string, unknown>): DiscoveryMessage => ({
    topic: `${discoveryPrefix}/${component}/${node}/${objectId}/config`,
    config: { ...config, unique_id: `${node}_${objectId}`, ...common },
  });
  const messages: DiscoveryMessage[] = [
    entity('switch', 'detect', {
      name: 'Detection',
      command_topic: topics.detectSet,
      state_topic: topics.detectState,
      payload_on: 'ON',
      payload_off: 'OFF',
      icon: 'mdi:motion-sensor',
    }),
  ];
  if (camera.motion) {
    messages.push(entity('binary_sensor', 'motion', { name: 'Motion', state_topic: topics.motion, payload_on: 'ON', payload_off: 'OFF', device_class: 'motion' }));
  }
  for (const label of camera.labels) {
    const key = slug(label);
    const shown = displayLabel(label);
    messages.push(
      entity('binary_sensor', `${key}_occupancy`, {
        name: `${shown} occupancy`,
        state_topic: topics.count(label),
        value_template: "{{ 'ON' if (value | int(0)) > 0 else 'OFF' }}",
        payload_on: 'ON',
        payload_off: 'OFF',
        device_class: 'occupancy',
      }),
      entity('sensor', `${key}_count`, { name: `${shown} count`, state_topic: topics.count(label), state_class: 'measurement', icon: 'mdi:counter' }),
      entity('image', `${key}_snapshot`, { name: `${shown} snapshot`, image_topic: topics.snapshot(label), content_type: 'image/jpeg' }),
    );
  }
  return messages;
}
