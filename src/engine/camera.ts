/**
 * One camera's life: its configuration, where it is in its life, and the counters it carries from
 * one worker to the next. Nothing here starts a process, sets a timer or writes a log: the camera's
 * runner (camera-runner.ts) does that and tells the camera what happened through the transitions
 * below. A transition called where it does not apply throws.
 *
 *   starting ─launched─▶ starting, loading ─ready─▶ running
 *   starting / restarting / running ─crashed─▶ restarting (after a backoff) or error (too many in a row)
 *   restarting ─launched─▶ restarting, loading ─ready─▶ running
 *   starting / restarting / running ─failed─▶ error
 *   starting / restarting / running / error ─restartPlanned─▶ starting (a worker it had is being replaced)
 *   any but stopping or stopped ─stopping─▶ stopping ─stopped─▶ stopped
 *
 * A worker life (launch to exit) belongs to a starting, restarting or running camera; its exit ends
 * it by `replaced` (stopped on purpose), `lostWhileLoading` (the delegate crashed it: same phase,
 * started again), `crashed` or `failed`.
 */
import { DEFAULT_MODEL } from '../shared/models';
import type { CameraConfig, DelegateName } from '../shared/contracts/config';
import type { CameraState } from '../shared/contracts/engine-api';
import type { ModelInfo, WorkerStats } from '../shared/contracts/worker';
import type { SourceState } from '../shared/contracts/sources';
import { engineSourceChanged } from './engine-sources';
import { resolveModel, type ResolvedModel } from './paths';
import type { ExitDecision, StuckVerdict, WatchedLife, WorkerLife } from './restart-policy';

export type CarriedCounters = Pick<WorkerStats, 'framesReceived' | 'framesInferred' | 'framesSkipped' | 'framesRejected' | 'messagesRejected'>;

/** The current worker's life, from its launch to its exit. */
interface Life {
  startedAt: number;
  lastHeard: number;
  /** 0 until the worker says it is ready. */
  readyAt: number;
  /** Why the runner is killing it (watchdog, start timeout), once it decided to. */
  kill: StuckVerdict | null;
  /** Stopped on purpose (new model, thread count or delegate): its exit is not a crash. */
  replacing: boolean;
}

type Phase =
  | { name: 'starting'; life: Life | null }
  | { name: 'restarting'; reason: string; life: Life | null; nextRestartAt: number | undefined }
  | { name: 'running'; life: Life }
  | { name: 'error'; message: string }
  | { name: 'stopping' }
  | { name: 'stopped' };

export type PhaseName = Phase['name'];

/** What the status of a camera is made from (status.ts); read-only. */
export interface CameraView {
  readonly id: string;
  readonly config: Readonly<CameraConfig & { id: string }>;
  readonly modelChoice: string;
  readonly modelInfo: ModelInfo | undefined;
  readonly state: CameraState;
  readonly error: string | undefined;
  readonly threads: number;
  readonly delegate: DelegateName;
  readonly restarts: number;
  readonly nextRestartAt: number | undefined;
  /** The current worker's last heartbeat, null before its first. */
  readonly stats: WorkerStats | null;
  /** Counters of earlier worker lives, so totals survive restarts. */
  readonly carried: Readonly<CarriedCounters>;
  /** Messages from its workers the engine dropped (malformed, or about another camera). */
  readonly rejectedHere: number;
  /** An engine-side camera's ffmpeg, as its worker last reported it (null: frames come from a page or code). */
  readonly source: { state: SourceState; reason: string | null } | null;
}

export class Camera {
  private phase: Phase = { name: 'starting', life: null };
  private cfg: CameraConfig & { id: string };
  private choice: string;
  private resolvedPath = '';
  private resolvedLandmarks: string | undefined;
  private threadCount = 1;
  private modelInfo: ModelInfo | undefined;
  private delegate: DelegateName = 'none';
  private restarts = 0;
  private consecutiveFailures = 0;
  private stats: WorkerStats | null = null;
  private readonly carried: CarriedCounters = { framesReceived: 0, framesInferred: 0, framesSkipped: 0, framesRejected: 0, messagesRejected: 0 };
  private rejectedHere = 0;
  private source: CameraView['source'] = null;

  constructor(
    config: CameraConfig & { id: string },
    /** Extra environment for this camera's workers (fault injection in tests). */
    readonly env?: Record<string, string>,
  ) {
    this.cfg = config;
    this.choice = config.model ?? DEFAULT_MODEL;
  }

  // ------------------------------------------------------------------ configuration

  get id(): string {
    return this.cfg.id;
  }

  get config(): Readonly<CameraConfig & { id: string }> {
    return this.cfg;
  }

  /** The model as configured (a manifest name or a file). */
  get modelChoice(): string {
    return this.choice;
  }

  /** The model's file, once resolved ('' when it could not be). */
  get modelPath(): string {
    return this.resolvedPath;
  }

  /** The second stage's model (face-mesh, pose landmarks), if the model has one. */
  get landmarkPath(): string | undefined {
    return this.resolvedLandmarks;
  }

  /** The model's name as its worker reported it, else as configured. */
  get modelName(): string {
    return this.modelInfo?.name ?? this.choice;
  }

  get threads(): number {
    return this.threadCount;
  }

  /** Resolves the model early, so the thread plan finds its calibration before the first start. */
  noteModel(): void {
    try {
      const resolved = resolveModel(this.choice);
      this.resolvedPath = resolved.path;
      this.resolvedLandmarks = resolved.landmarkPath;
    } catch {
      this.resolvedPath = ''; // the worker's start reports the problem
    }
  }

  /**
   * Applies a configuration change. Says what it takes: 'model' (a new model: re-plan threads and
   * restart), 'restart' (labels or the engine-side source changed) or 'none' (in place).
   */
  update(patch: Partial<Omit<CameraConfig, 'id'>>): 'model' | 'restart' | 'none' {
    const modelChanged = patch.model !== undefined && patch.model !== this.choice;
    const restart = (patch.labels !== undefined && JSON.stringify(patch.labels) !== JSON.stringify(this.cfg.labels)) || engineSourceChanged(this.cfg, patch);
    this.cfg = { ...this.cfg, ...patch, id: this.cfg.id };
    if (!modelChanged) return restart ? 'restart' : 'none';
    this.choice = patch.model!;
    this.noteModel();
    return 'model';
  }

  /** A new thread count from the plan; true when it differs from the one the camera had. */
  setThreads(threads: number): boolean {
    if (threads === this.threadCount) return false;
    this.threadCount = threads;
    return true;
  }

  // ------------------------------------------------------------------ where it is

  get phaseName(): PhaseName {
    return this.phase.name;
  }

  /** The state as the engine's API reports it; stopping reads as stopped (the camera is gone from the registry). */
  get state(): CameraState {
    return this.phase.name === 'stopping' ? 'stopped' : this.phase.name;
  }

  get error(): string | undefined {
    if (this.phase.name === 'restarting') return this.phase.reason;
    if (this.phase.name === 'error') return this.phase.message;
    return undefined;
  }

  /** A worker may be launched for it now: starting or restarting, with no worker. */
  get canLaunch(): boolean {
    return (this.phase.name === 'starting' || this.phase.name === 'restarting') && !this.phase.life;
  }

  /** It is being removed or was: nothing more is started for it. */
  get ending(): boolean {
    return this.phase.name === 'stopping' || this.phase.name === 'stopped';
  }

  /** It has a worker that has not said it is ready (and is not being replaced). */
  get loading(): boolean {
    const life = this.life();
    return life !== null && life.readyAt === 0 && !life.replacing;
  }

  /** Its worker is being stopped on purpose, to be started again. */
  get replacing(): boolean {
    return this.life()?.replacing ?? false;
  }

  /** Its current worker said it was ready at some point. */
  get becameReady(): boolean {
    return (this.life()?.readyAt ?? 0) > 0;
  }

  /** An engine-side camera (its worker runs its own ffmpeg). */
  get hasSource(): boolean {
    return this.source !== null;
  }

  view(): CameraView {
    const { phase } = this;
    return {
      id: this.id,
      config: this.cfg,
      modelChoice: this.choice,
      modelInfo: this.modelInfo,
      state: this.state,
      error: this.error,
      threads: this.threadCount,
      delegate: this.delegate,
      restarts: this.restarts,
      nextRestartAt: phase.name === 'restarting' ? phase.nextRestartAt : undefined,
      stats: this.stats,
      carried: { ...this.carried },
      rejectedHere: this.rejectedHere,
      source: this.source,
    };
  }

  /** What the watchdog looks at (restart-policy.ts's stuckReason); null without a worker to watch. */
  watched(): WatchedLife | null {
    const life = this.life();
    // A worker being replaced is stopping already; its stop has its own deadline.
    if (!life || life.replacing || (this.phase.name !== 'running' && this.phase.name !== 'starting' && this.phase.name !== 'restarting')) return null;
    return { state: this.phase.name, startedAt: life.startedAt, lastHeard: life.lastHeard, killing: life.kill !== null };
  }

  /** The worker life that just ended, as the restart policy weighs it (restart-policy.ts's decideAfterExit). */
  endedLife(): WorkerLife {
    const life = this.requireLife('endedLife');
    return {
      readyAt: life.readyAt,
      startedAt: life.startedAt,
      lastHeard: life.lastHeard,
      watchdogKill: life.kill?.watchdog ?? false,
      killReason: life.kill?.reason ?? null,
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  // ------------------------------------------------------------------ a worker's life

  /** A worker was launched for it, with this model; an engine-side camera's source starts connecting. */
  launched(now: number, model: Pick<ResolvedModel, 'path' | 'landmarkPath'>, engineSide: boolean): void {
    if (!this.canLaunch) throw this.illegal('launched');
    const life: Life = { startedAt: now, lastHeard: now, readyAt: 0, kill: null, replacing: false };
    this.phase = this.phase.name === 'restarting' ? { ...this.phase, life, nextRestartAt: undefined } : { name: 'starting', life };
    this.resolvedPath = model.path;
    this.resolvedLandmarks = model.landmarkPath;
    this.modelInfo = undefined;
    this.stats = null;
    this.source = engineSide ? { state: 'connecting', reason: null } : null;
  }

  /** Its worker said something (any message counts as a sign of life). */
  heard(now: number): void {
    this.requireLife('heard').lastHeard = now;
  }

  /** Its worker loaded its model and is running. */
  ready(now: number, model: ModelInfo, delegate: DelegateName): void {
    if (!this.loading) throw this.illegal('ready');
    const life = this.requireLife('ready');
    life.readyAt = now;
    this.phase = { name: 'running', life };
    this.modelInfo = model;
    this.delegate = delegate;
  }

  /** The worker's heartbeat. */
  statsReported(stats: WorkerStats): void {
    this.requireLife('statsReported');
    this.stats = stats;
  }

  /** An engine-side camera's ffmpeg changed state. */
  sourceReported(state: SourceState, reason: string | null): void {
    this.requireLife('sourceReported');
    this.source = { state, reason };
  }

  /** A message from its worker was dropped; returns how many have been. */
  rejected(): number {
    return ++this.rejectedHere;
  }

  /** The runner is killing its worker for this reason (watchdog, start timeout). */
  killing(verdict: StuckVerdict): void {
    const life = this.requireLife('killing');
    if (life.kill) throw this.illegal('killing');
    life.kill = verdict;
  }

  /** A stop and start on purpose (new model, thread count, delegate). True when it has a worker to stop first. */
  restartPlanned(): boolean {
    const { phase } = this;
    if (phase.name === 'stopping' || phase.name === 'stopped') throw this.illegal('restartPlanned');
    this.consecutiveFailures = 0;
    const life = 'life' in phase ? phase.life : null;
    if (life) life.replacing = true;
    this.phase = { name: 'starting', life };
    return life !== null;
  }

  /** The worker being replaced exited: the camera waits for its new one. */
  replaced(): void {
    if (!this.replacing) throw this.illegal('replaced');
    this.endLife();
    this.phase = { name: 'starting', life: null };
  }

  /** Its worker crashed while loading with a delegate that cannot load here: same phase, started again without it. */
  lostWhileLoading(): void {
    if (!this.loading) throw this.illegal('lostWhileLoading');
    this.endLife();
    if (this.phase.name === 'starting' || this.phase.name === 'restarting') this.phase = { ...this.phase, life: null };
  }

  /** Its worker ended unexpectedly; the restart policy decided what follows (restart-policy.ts). */
  crashed(decision: ExitDecision, now: number): void {
    if (!this.life() || this.replacing) throw this.illegal('crashed');
    this.endLife();
    this.consecutiveFailures = decision.consecutiveFailures;
    this.restarts++;
    if (decision.action === 'fail') this.phase = { name: 'error', message: decision.message };
    else this.phase = { name: 'restarting', reason: decision.reason, life: null, nextRestartAt: now + decision.delayMs };
  }

  /** In error for good, with the reason: nothing restarts it but a planned restart. */
  failed(message: string): void {
    const { name } = this.phase;
    if (name !== 'starting' && name !== 'restarting' && name !== 'running') throw this.illegal('failed');
    if (this.life()) this.endLife();
    this.phase = { name: 'error', message };
  }

  /** It is being removed: its worker, if any, is stopped and nothing is started again. */
  stopping(): void {
    if (this.ending) throw this.illegal('stopping');
    this.phase = { name: 'stopping' };
  }

  /** Its last worker has gone. */
  stopped(): void {
    if (this.phase.name !== 'stopping') throw this.illegal('stopped');
    this.phase = { name: 'stopped' };
  }

  // ------------------------------------------------------------------ inside

  private life(): Life | null {
    return 'life' in this.phase ? this.phase.life : null;
  }

  private requireLife(transition: string): Life {
    const life = this.life();
    if (!life) throw this.illegal(transition);
    return life;
  }

  /** The worker's life is over: its counters join the carried totals. */
  private endLife(): void {
    if (this.stats) for (const key of Object.keys(this.carried) as Array<keyof CarriedCounters>) this.carried[key] += this.stats[key];
    this.stats = null;
  }

  private illegal(transition: string): Error {
    const life = this.life();
    const detail = life ? (life.replacing ? ', its worker being replaced' : life.readyAt ? ', its worker ready' : ', its worker loading') : '';
    return new Error(`camera ${this.id}: ${transition} is not a transition from ${this.phase.name}${detail}`);
  }
}
