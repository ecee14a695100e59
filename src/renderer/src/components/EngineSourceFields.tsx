/**
 * The add/edit dialog's fields for cameras the engine opens itself with ffmpeg: a stream URL
 * (rtsp, rtsps, http, https), a video file on the engine's disk, or a local device. The URL's
 * password is shown masked when editing; leaving the mask in place keeps the stored password.
 */
import type { EngineSourceConfig } from '../../../shared/contracts/sources';
import { StreamUrl } from '../../../shared/contracts/sources';

export type EngineKind = EngineSourceConfig['kind'];

export interface EngineFieldValues {
  url: string;
  path: string;
  loop: boolean;
}

export function initialEngineValues(source: { kind: string } & Partial<{ url: string; path: string; loop: boolean }> | undefined): EngineFieldValues {
  return {
    url: source?.kind === 'stream' ? (source.url ?? '') : '',
    path: source?.kind === 'file' || source?.kind === 'device' ? (source.path ?? '') : '',
    loop: source?.kind === 'file' ? source.loop !== false : true,
  };
}

/** The source these fields describe, or an error message for the dialog. */
export function engineSourceFrom(kind: EngineKind, values: EngineFieldValues): EngineSourceConfig | string {
  if (kind === 'stream') {
    const url = values.url.trim();
    const checked = StreamUrl.safeParse(url);
    if (!checked.success) return checked.error.issues[0]?.message ?? 'That is not a stream URL.';
    return { kind: 'stream', url };
  }
  const path = values.path.trim();
  if (!path) return kind === 'file' ? 'Give the path of a video file on the engine’s machine.' : 'Give the device, e.g. /dev/video0.';
  return kind === 'file' ? { kind: 'file', path, loop: values.loop } : { kind: 'device', path };
}

export function EngineSourceFields({
  kind,
  values,
  onChange,
}: {
  kind: EngineKind;
  values: EngineFieldValues;
  onChange: (values: EngineFieldValues) => void;
}) {
  if (kind === 'stream') {
    return (
      <label>
        Stream URL
        <input
          data-testid="stream-url-input"
          placeholder="rtsp://user:password@192.168.1.20:554/stream1"
          value={values.url}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => onChange({ ...values, url: e.target.value })}
        />
        <span className="hint">rtsp, rtsps, http (MJPEG) or https; the password is stored, never shown</span>
      </label>
    );
  }
  return (
    <>
      <label>
        {kind === 'file' ? 'Video file on the engine’s machine' : 'Device'}
        <input
          data-testid="source-path-input"
          placeholder={kind === 'file' ? '/srv/clips/door.mp4' : '/dev/video0'}
          value={values.path}
          spellCheck={false}
          onChange={(e) => onChange({ ...values, path: e.target.value })}
        />
      </label>
      {kind === 'file' && (
        <label className="checkbox">
          <input type="checkbox" data-testid="source-loop-input" checked={values.loop} onChange={(e) => onChange({ ...values, loop: e.target.checked })} />
          Loop
        </label>
      )}
    </>
  );
}

export const ENGINE_KIND_LABELS: Record<EngineKind, string> = {
  stream: 'IP camera / stream URL',
  file: 'Video file (engine side)',
  device: 'Device (engine side)',
};
