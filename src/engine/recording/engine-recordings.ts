/** Recording as the engine host runs it: the service over the events database, fed by the host's config. */
import path from 'node:path';
import { RecordingSettings, type AppConfig } from '../../shared/contracts/config';
import { isEngineSource } from '../../shared/contracts/sources';
import { DEFAULT_RECORD, ffmpegInfo, SEGMENT_SECONDS } from '../engine-sources';
import type { EventStore } from '../events/store';
import { Recordings } from './service';
import type { CameraRecordPolicy } from './retention';

/** The recordings folder inside the data folder. */
export const RECORDINGS_DIR = 'recordings';

export function recordingsRoot(dataDir: string): string {
  return path.join(dataDir, RECORDINGS_DIR);
}

/** A camera's record settings with their defaults; null for a camera that is not engine-side or not configured. */
export function recordPolicy(config: AppConfig, camera: string): CameraRecordPolicy | null {
  const found = config.cameras.find((c) => c.id === camera);
  if (!found || !isEngineSource(found.source)) return null;
  return { ...DEFAULT_RECORD, ...found.record };
}

export function openRecordings(options: {
  dataDir: string;
  store: EventStore;
  config: () => AppConfig;
  notice: (level: 'info' | 'warning' | 'error', message: string) => void;
}): Recordings {
  return new Recordings({
    root: recordingsRoot(options.dataDir),
    db: options.store.db,
    ffmpegPath: () => ffmpegInfo(options.config().settings.ffmpegPath).path,
    limits: () => RecordingSettings.parse(options.config().recording ?? {}),
    policyOf: (camera) => recordPolicy(options.config(), camera),
    notice: options.notice,
    segmentSeconds: SEGMENT_SECONDS,
  });
}
