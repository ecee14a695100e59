/** The configured cameras as MQTT and Home Assistant discovery see them (mqtt-bridge.ts). */
import type { CameraConfig } from '../../shared/contracts/config';
import { DEFAULT_MODEL, findManifestModel } from '../../shared/models';
import { labelKey } from '../../shared/labels';
import type { BridgeCamera } from './mqtt-bridge';

export function mqttCameras(cameras: readonly CameraConfig[]): BridgeCamera[] {
  return cameras.flatMap((camera) => {
    if (camera.id === undefined) return [];
    const model = camera.model ?? DEFAULT_MODEL;
    const known = findManifestModel(model);
    // A model of the user's (a .tflite path) names its labels as it reports them: entities follow.
    const labels = camera.labels ?? known?.defaultLabels ?? known?.labels ?? [];
    return [{ id: camera.id, name: camera.name, model: known ? model : 'custom model', labels: labels.map(labelKey), detect: camera.events?.enabled !== false }];
  });
}
