/** Video input devices: permission, listing by label, and finding a configured webcam again. */

export class PermissionDeniedError extends Error {
  constructor() {
    super('Camera access was denied. Allow camera access for this page (site settings, or the system privacy settings) and try again.');
    this.name = 'PermissionDeniedError';
  }
}

export function mediaDevicesAvailable(): boolean {
  return typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia;
}

let unlock: Promise<void> | null = null;

/**
 * Browsers hide device labels until the page may use a camera: ask once (and let the stream go
 * at once) so the labels are visible. Shared by every caller so only one prompt appears.
 */
export function ensureCameraPermission(): Promise<void> {
  if (!mediaDevicesAvailable()) return Promise.reject(new Error('This browser cannot capture video (navigator.mediaDevices is missing; serve over http://127.0.0.1 or https).'));
  unlock ??= navigator.mediaDevices
    .getUserMedia({ video: true, audio: false })
    .then((stream) => {
      for (const track of stream.getTracks()) track.stop();
    })
    .catch((err: unknown) => {
      unlock = null;
      throw toCaptureError(err);
    });
  return unlock;
}

export async function listVideoInputs(): Promise<MediaDeviceInfo[]> {
  if (!mediaDevicesAvailable()) return [];
  let devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  if (devices.length === 0 || devices.some((d) => !d.label)) {
    await ensureCameraPermission();
    devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  }
  return devices;
}

/** By deviceId first, then by exact label, then by a label that contains the configured one. */
export function matchDevice(devices: MediaDeviceInfo[], wanted: { deviceId?: string; label?: string }): MediaDeviceInfo | undefined {
  if (wanted.deviceId) {
    const byId = devices.find((d) => d.deviceId === wanted.deviceId);
    if (byId) return byId;
  }
  if (wanted.label) {
    const label = wanted.label;
    return devices.find((d) => d.label === label) ?? devices.find((d) => d.label.includes(label));
  }
  // Neither given: the first camera.
  return wanted.deviceId ? undefined : devices[0];
}

export function toCaptureError(err: unknown): Error {
  if (err instanceof PermissionDeniedError) return err;
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return new PermissionDeniedError();
  if (err instanceof Error) return err;
  return new Error(String(err));
}
