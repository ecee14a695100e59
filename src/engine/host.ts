/**
 * EngineHost: the engine as the renderer sees it, shared by serve mode and the desktop app.
 *
 * It owns the CameraSupervisor and the ConfigStore, answers the renderer API (src/shared/contracts/engine-api.ts)
 * after validating every request, keeps the configuration file in step with the cameras
 * (adding a camera saves it, and so on) and pushes ApiEvents: a snapshot about once a second and
 * soon after any camera changes, the config after each change, and notices. The transports
 * (WebSocket server, Electron IPC) only carry its requests and events.
 */
import { EventEmitter } from 'node:events';
import { ApiRequest, type ApiEvent, type ApiResponse, type ApiResults, type Notice } from '../shared/contracts/engine-api';
import { AppConfig, MAX_CAMERAS, type CameraConfig, type CameraGroup } from '../shared/contracts/config';
import { parseMessage } from '../shared/contracts/frames';
import { type EngineSnapshot } from '../shared/contracts/engine-api';
import path from 'node:path';
import { ConfigStore } from './config/store';
import { keepInlineMedia, MEDIA_PREFIX, mediaQuotaBytes, MediaStore, referencedMedia } from './media-store';
import { decorateSnapshot, type EngineHostEvents, type EngineHostOptions } from './host-options';
import { RendererHub, type RendererClient } from './renderers';
import { plannerFiles } from './capacity';
import { FramePorts, type FramePortEnd } from './frame-ports';
import { CameraSupervisor } from './supervisor';
import { ffmpegInfo, keepStoredSecret } from './engine-sources';
import { fileSourceProblem, transportProblem } from './file-check';
import { defaultLogger, type Logger } from './logger';
import { maskAnswer, maskEvent, maskText, maskValue, rememberSecrets } from './redaction';
import { keepStoredMqttSecrets, redactConfig } from '../shared/redact';
import { EventsHub } from './events/hub';
import { openRecordings, recordingsRoot, recordPolicy } from './recording/engine-recordings';
import type { Recordings } from './recording/service';
import { handleEventRequest, isEventRequest } from './events/requests';
import { mqttCameras } from './events/mqtt-cameras';
import { DEFAULT_EVENT_FILTERS } from '../shared/contracts/events';

export type { RendererClient } from './renderers';

export type { EngineHostEvents, EngineHostOptions, ProcessMetrics } from './host-options';

/** Notices kept for renderers that connect later (a corrupt config is found before any page is up). */
const KEPT_NOTICES = 20;
/** Camera changes arrive in bursts (state, threads, restarts); one snapshot covers a burst. */
const CHANGE_SNAPSHOT_DELAY_MS = 50;

export class EngineHost extends EventEmitter<EngineHostEvents> {
  readonly supervisor: CameraSupervisor;
  readonly store: ConfigStore;
  /** Pictures and uploaded videos, as files beside the config. */
  readonly media: MediaStore;
  private readonly renderers: RendererHub;
  /** Desktop: the cameras' direct frame ports (options.frameChannel). */
  private ports: FramePorts<FramePortEnd> | null = null;
  readonly events: EventsHub | null = null;
  /** Recording's catalogue and retention (null without a data folder or events database). */
  readonly recordings: Recordings | null = null;
  private readonly notices: Notice[] = [];
  private readonly log: Logger;
  private changeTimer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  /** Requests that mutate the config run one after another, so saves never interleave. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: EngineHostOptions) {
    super();
    this.log = options.log ?? defaultLogger();
    this.store = new ConfigStore(options.configFile);
    // Pictures and uploaded videos live in the data directory (serve: --data), else beside the config.
    this.media = new MediaStore(options.eventsDir ?? path.dirname(options.configFile));
    const loaded = this.store.load();
    rememberSecrets(loaded.config);
    for (const notice of [loaded.notice, loaded.warning]) {
      if (!notice) continue;
      this.log[notice.level === 'warning' ? 'warn' : notice.level](notice.message);
      this.keepNotice(notice);
    }
    // Uploads no camera refers to go at start, but only when the config was read as it is: a
    // corrupt or unreadable one would make every upload look unreferenced.
    if (!loaded.notice) this.pruneMedia();
    const channel = options.frameChannel;
    this.supervisor = new CameraSupervisor({
      // The thread calibration and the bench's capacity figure live beside the configuration.
      ...plannerFiles(options.configFile),
      ...options.supervisor,
      ...(channel ? { createDataPort: (id) => this.ports?.portForNewWorker(id), releaseDataPort: (id) => this.ports?.forget(id) } : {}),
      launcher: options.launcher,
      log: this.log,
      settings: loaded.config.settings,
      events: options.eventsDir !== undefined,
      // Cameras record only while their segments can be catalogued (the events database opened).
      recordingsDir: () => (this.recordings && options.eventsDir ? recordingsRoot(options.eventsDir) : undefined),
    });
    this.supervisor.on('snapshot', (snapshot) => this.emit('event', { type: 'snapshot', snapshot: this.decorate(snapshot) }));
    this.supervisor.on('change', () => this.scheduleSnapshot());
    this.supervisor.on('removed', () => this.scheduleSnapshot());
    this.renderers = new RendererHub({
      initialEvents: () => this.initialEvents(),
      cameras: () => this.config.cameras,
      forwardFrame: (id, bytes) => this.supervisor.forwardFrame(id, bytes),
      forwardTrackSnapshot: (id, bytes) => this.supervisor.forwardFrame(id, bytes, 'track-snapshot-bytes'),
      hasCamera: (id) => this.supervisor.status(id) !== undefined,
      watching: (renderers) => this.supervisor.watchPreviews(renderers > 0),
    });
    if (channel) {
      const renderers = this.renderers;
      this.ports = new FramePorts({
        createChannel: channel,
        handToWorker: (id, port) => this.supervisor.handDataPort(id, port),
        holderOf: (id) => renderers.portHolderOf(id),
        cameraIds: () => this.supervisor.cameraIds(),
      });
    }
    this.supervisor.on('preview', (m) => this.renderers.preview(m));
    this.on('event', (event) => {
      this.renderers.broadcast(maskEvent(event));
      // A camera added, removed or changed in kind may move to another page.
      if (event.type === 'config') this.ports?.sync();
      if (event.type === 'config') this.events?.setCameras(mqttCameras(this.config.cameras));
    });
    this.supervisor.on('result', (m) => this.renderers.deliver(m));
    this.supervisor.on('dropped', (m) => this.renderers.deliver(m));
    this.supervisor.on('snapshot-request', (m) => this.renderers.requestSnapshot(m));
    if (options.eventsDir) {
      const events = new EventsHub({
        dataDir: options.eventsDir,
        cameraName: (id) => this.config.cameras.find((c) => c.id === id)?.name ?? id,
        notice: (n) => this.notice(n.level, n.message),
        settings: loaded.config.events,
        setDetect: (id, on) => this.setDetect(id, on),
        log: (line) => this.log.warn(line),
        recorded: (id) => this.recordings !== null && (recordPolicy(this.config, id)?.mode ?? 'off') !== 'off',
      });
      events.on('change', (change) => this.emit('event', { type: 'event', change }));
      this.supervisor.on('snapshot', (snapshot) => {
        for (const camera of snapshot.cameras) events.setMotion(camera.id, camera.motion);
      });
      events.on('status', (status) => this.emit('event', { type: 'events-status', status }));
      this.supervisor.on('track', (m) => events.handleTrack(m));
      this.supervisor.on('worker-gone', (id) => events.endCamera(id));
      this.events = events;
      const store = events.service.store;
      if (store) {
        try {
          const recordings = openRecordings({ dataDir: options.eventsDir, store, config: () => this.config, notice: (level, message) => this.notice(level, message) });
          this.supervisor.on('segment', (m) => recordings.onSegment(m));
          this.recordings = recordings;
        } catch (err) {
          this.notice('error', `Recording is off: ${(err as Error).message}. Detection goes on.`);
        }
      }
    }
  }

  /**
   * Connects a renderer (a page, a desktop window): events, capture assignment, frame answers, and
   * the frame ports of the cameras it holds (a client that takes them). The engine goes on without
   * it after the disconnect: a page that comes back connects again.
   */
  connect(client: RendererClient): () => void {
    const disconnect = this.renderers.connect(client);
    this.ports?.sync();
    return () => {
      disconnect();
      this.ports?.sync();
    };
  }

  /** A renderer's frame, in its binary form; an error string for a message that is not a frame. `admit`: see RendererHub.submitFrame. */
  submitFrame(client: RendererClient, bytes: Uint8Array, admit?: (cameraId: string) => string | null): string | null {
    return this.renderers.submitFrame(client, bytes, admit);
  }

  /** A renderer's picture for a track (binary, encodeTrackSnapshot); an error string for one that cannot be routed. */
  submitTrackSnapshot(client: RendererClient, bytes: Uint8Array): string | null {
    return this.renderers.submitTrackSnapshot(client, bytes);
  }

  /** Renderers connected now. */
  get rendererCount(): number {
    return this.renderers.size;
  }

  /** Starts a worker for each configured camera. Ids the supervisor had to assign are saved. */
  start(): void {
    const config = this.store.config;
    let changed = false;
    const cameras = config.cameras.map((saved) => {
      let id: string;
      let camera = saved;
      try {
        // A picture saved inline by an older version moves into the media folder.
        camera = keepInlineMedia(saved, this.media);
        if (camera !== saved) changed = true;
        id = this.supervisor.addCamera(camera);
      } catch (err) {
        this.notice('error', `camera ${camera.name} could not start: ${(err as Error).message}`);
        return camera;
      }
      if (id !== camera.id) changed = true;
      return { ...camera, id };
    });
    if (changed) this.persist({ ...config, cameras });
    else this.events?.setCameras(mqttCameras(this.config.cameras));
  }

  get config(): AppConfig {
    return this.store.config;
  }

  /** The cameras' status as it may be shown (/api/stats, /metrics, pages): reasons masked. */
  snapshot(): EngineSnapshot {
    return maskValue(this.decorate(this.supervisor.snapshot()));
  }

  /** What a renderer that just connected needs before anything else: config, snapshot, notices. */
  initialEvents(): ApiEvent[] {
    const events: ApiEvent[] = [
      { type: 'config', config: redactConfig(this.config) },
      { type: 'snapshot', snapshot: this.snapshot() },
      ...this.notices.map((notice): ApiEvent => ({ type: 'notice', notice })),
    ];
    return events.map(maskEvent);
  }

  /** Sends a notice to every renderer now and to those that connect later. */
  notice(level: Notice['level'], message: string): void {
    const notice: Notice = { level, message: message.slice(0, 2000) };
    this.keepNotice(notice);
    this.emit('event', { type: 'notice', notice });
  }

  /** Validates and runs one request; never throws. */
  async handle(raw: unknown): Promise<ApiResponse> {
    const parsed = parseMessage(ApiRequest, raw);
    if (!parsed.ok) return { ok: false, error: `invalid request: ${parsed.error}`.slice(0, 2000) };
    const run = this.queue.then(() => this.run(parsed.value));
    this.queue = run.catch(() => undefined);
    // Answers and errors are masked like everything else that leaves the engine.
    try {
      return { ok: true, value: maskAnswer(parsed.value.method, await run) as ApiResults[ApiRequest['method']] };
    } catch (err) {
      return { ok: false, error: maskText(err instanceof Error ? err.message : String(err)).slice(0, 2000) };
    }
  }

  /** Stops every worker (and waits for each to exit). Safe to call more than once. */
  stop(): Promise<void> {
    if (!this.stopping) {
      if (this.changeTimer) clearTimeout(this.changeTimer);
      this.changeTimer = null;
      this.stopping = this.supervisor.stop().then(() => {
        this.recordings?.close();
        this.events?.close();
      });
    }
    return this.stopping;
  }

  // ------------------------------------------------------------------ requests

  private async run(request: ApiRequest): Promise<ApiResults[ApiRequest['method']]> {
    if (this.stopping) throw new Error('the engine is stopping');
    if (isEventRequest(request)) {
      // The page only ever saw the masked MQTT password and URL: sent back, they keep the stored ones.
      if (request.method === 'setEventSettings') {
        const settings = { ...request.settings, mqtt: keepStoredMqttSecrets(this.config.events?.mqtt, request.settings.mqtt) };
        if (!settings.mqtt) delete settings.mqtt;
        const result = handleEventRequest(this.events, { ...request, settings });
        this.persist({ ...this.config, events: settings });
        return result;
      }
      return handleEventRequest(this.events, request);
    }
    switch (request.method) {
      case 'getSnapshot':
        return this.snapshot();
      case 'getConfig':
        return redactConfig(this.config);
      case 'listModels':
        return this.supervisor.listModels();
      case 'addCamera':
        await this.checkFile(request.camera.source);
        return this.addCamera(request.camera, request.force === true);
      case 'removeCamera':
        return this.removeCamera(request.id);
      case 'updateCamera':
        if (request.patch.source) await this.checkFile(request.patch.source);
        return this.updateCamera(request.id, request.patch);
      case 'setSettings': {
        const settings = this.supervisor.setSettings(request.settings);
        this.persist({ ...this.config, settings });
        return settings;
      }
      case 'reorderCameras':
        return this.reorderCameras(request.ids);
      case 'setGroups':
        return this.setGroups(request.groups);
      case 'keepMedia': {
        const name = this.media.put(request.data, request.type, mediaQuotaBytes(this.config.settings));
        return { ref: `${MEDIA_PREFIX}${name}`, path: this.media.pathOf(name)! };
      }
    }
  }

  /** A file camera's path is checked when saved (file-check.ts): the dialog shows the error, not the tile. */
  private async checkFile(source: CameraConfig['source']): Promise<void> {
    const ffmpeg = ffmpegInfo(this.config.settings.ffmpegPath);
    const problem = (await fileSourceProblem(source, ffmpeg.path)) ?? (await transportProblem(source, ffmpeg));
    if (problem) throw new Error(problem);
  }

  private addCamera(added: CameraConfig, force: boolean): ApiResults['addCamera'] {
    if (this.config.cameras.length >= MAX_CAMERAS) throw new Error(`at most ${MAX_CAMERAS} cameras`);
    const refusal = force ? null : this.supervisor.admissionRefusal(added);
    if (refusal) throw new Error(refusal);
    const camera = keepInlineMedia(added, this.media);
    const id = this.supervisor.addCamera(camera);
    this.persist({ ...this.config, cameras: [...this.config.cameras, { ...camera, id }] });
    return { id };
  }

  private async removeCamera(id: string): Promise<ApiResults['removeCamera']> {
    const removed = await this.supervisor.removeCamera(id);
    const cameras = this.config.cameras.filter((c) => c.id !== id);
    // A removed camera leaves its groups too.
    const groups = this.config.groups?.map((g) => ({ ...g, cameras: g.cameras.filter((c) => c !== id) }));
    if (cameras.length !== this.config.cameras.length) this.persist({ ...this.config, cameras, ...(groups ? { groups } : {}) });
    this.pruneMedia();
    return { removed };
  }

  private updateCamera(id: string, changes: Partial<Omit<CameraConfig, 'id'>>): ApiResults['updateCamera'] {
    let patch = changes.source ? keepInlineMedia({ ...changes, source: changes.source }, this.media) : changes;
    // The page only ever saw the masked URL: sending it back keeps the stored password.
    const stored = this.config.cameras.find((c) => c.id === id);
    if (stored && patch.source) patch = { ...patch, source: keepStoredSecret(stored.source, patch.source) };
    const updated = this.supervisor.updateCamera(id, patch);
    if (updated) {
      const cameras = this.config.cameras.map((c) => (c.id === id ? { ...c, ...patch, id } : c));
      this.persist({ ...this.config, cameras });
    }
    return { updated };
  }

  /** MQTT's detect switch: the camera's events on or off, saved as any change is. */
  private async setDetect(id: string, on: boolean): Promise<void> {
    const camera = this.config.cameras.find((c) => c.id === id);
    if (!camera) return;
    const answer = await this.handle({ method: 'updateCamera', id, patch: { events: { ...(camera.events ?? DEFAULT_EVENT_FILTERS), enabled: on } } });
    if (!answer.ok) throw new Error(answer.error);
  }

  /** Replaces the groups; a camera id no camera has is dropped (it may have been removed meanwhile). */
  private setGroups(groups: CameraGroup[]): ApiResults['setGroups'] {
    const known = new Set(this.config.cameras.map((c) => c.id));
    const kept = groups.map((g) => ({ name: g.name, cameras: [...new Set(g.cameras)].filter((id) => known.has(id)) }));
    this.persist({ ...this.config, groups: kept });
    return kept;
  }

  /** Puts the named cameras first, in that order; cameras not named keep their order after them. */
  private reorderCameras(ids: string[]): ApiResults['reorderCameras'] {
    const rank = new Map(ids.map((id, i) => [id, i]));
    const cameras = this.config.cameras
      .map((camera, i) => ({ camera, key: camera.id !== undefined && rank.has(camera.id) ? rank.get(camera.id)! : ids.length + i }))
      .sort((a, b) => a.key - b.key)
      .map(({ camera }) => camera);
    const reordered = cameras.some((camera, i) => camera !== this.config.cameras[i]);
    if (reordered) this.persist({ ...this.config, cameras });
    return { reordered };
  }

  // ------------------------------------------------------------------ helpers

  /** Saves and announces the config. A failed save keeps the engine running and says so. */
  private persist(config: AppConfig): void {
    rememberSecrets(config);
    try {
      this.store.save(config);
    } catch (err) {
      this.notice('error', `could not save the configuration to ${this.store.file}: ${(err as Error).message}`);
    }
    this.emit('event', { type: 'config', config: redactConfig(this.store.config) });
  }

  /** Deletes media files no camera refers to; a failure (a `media` symlink) is a notice, not an error. */
  private pruneMedia(): void {
    try {
      const removed = this.media.prune(referencedMedia(this.config.cameras));
      if (removed > 0) this.log.info({ removed }, `media: ${removed} file(s) no camera refers to were deleted from ${this.media.dir}`);
    } catch (err) {
      this.notice('warning', `media files in ${this.media.dir} were not pruned: ${(err as Error).message}`);
    }
  }

  private keepNotice(notice: Notice): void {
    this.notices.push(notice);
    if (this.notices.length > KEPT_NOTICES) this.notices.shift();
  }

  private scheduleSnapshot(): void {
    if (this.changeTimer || this.stopping) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      this.emit('event', { type: 'snapshot', snapshot: this.snapshot() });
    }, CHANGE_SNAPSHOT_DELAY_MS);
    this.changeTimer.unref();
  }

  private decorate(raw: EngineSnapshot): EngineSnapshot {
    return decorateSnapshot(raw, this.options.processMetrics?.());
  }

}
