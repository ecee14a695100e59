/**
 * One contract, both bridges. The renderer reaches the engine through serve mode's WebSocket
 * bridge (src/renderer/src/bridge/web.ts) or the desktop bridge over the preload's
 * `window.multicam` and per-camera MessagePorts (bridge/electron.ts; here the MOCK preload,
 * e2e/support/mock-preload-page.ts, in front of the same serve mode). The same checks run against
 * each, through the bridge object itself, made the way the renderer makes it, in a page that runs
 * nothing else (e2e/support/bridge-contract-page.ts):
 * - pushed events (snapshot, config, a face's event) arrive;
 * - a frame sent on the frame path is answered under the page's own frame id, with the real
 *   model's detections, and the worker's snapshot request reaches the page, whose picture becomes
 *   the event's snapshot;
 * - every engine API method answers with a value its contract schema (ApiResultSchemas) accepts;
 * - an engine error comes back as a rejected promise with the engine's message;
 * - an answer of the wrong shape (changed on the wire) and a malformed push are refused by the bridge.
 * One serve mode for the file; the desktop bridge's tests run after the web bridge's.
 */
import { EventSettings } from '../../src/shared/contracts/events';
import { ApiResultSchemas, type ApiMethod, type ApiRequest, type EngineSnapshot, type ModelListEntry } from '../../src/shared/contracts/engine-api';
import type { CallOutcome } from '../support/bridge-contract-types';
import { astronaut, call, harness, keepMedia, openContractPage, routeWire, seenEvents, squareRgb, WRONG_ANSWER_ID, type BridgeKind } from '../support/bridge-contract';
import { expect, SLOW, test } from '../support/fixtures';
import { newestSnapshotSize } from '../support/serve';

const BRIDGES: Array<{ kind: BridgeKind; title: string }> = [
  { kind: 'web', title: 'web' },
  { kind: 'electron', title: 'electron (mock preload)' },
];

/** The `at` of the malformed snapshot pushed by the last test. */
const MALFORMED_AT = 123_456_789;

/** The value of a call that must have worked and fit its method's schema. */
function accepted<T = unknown>(method: ApiMethod, outcome: CallOutcome): T {
  expect(outcome, `${method} answered`).toMatchObject({ ok: true });
  expect(outcome.ok && outcome.schemaOk, `${method}'s answer fits its schema`).toBe(true);
  return (outcome as { value: T }).value;
}

for (const { kind, title } of BRIDGES) {
  test.describe(`bridge contract: ${title}`, () => {
    // In order: the first test's camera and face event are what the second asks about.
    test.describe.configure({ mode: 'serial' });
    const cameraName = `Contract ${kind}`;

    test('pushed events arrive; a frame is answered under its own id; a face makes an event that asks the page for its picture', async ({ context, serve }) => {
      await routeWire(context);
      const { page, made } = await openContractPage(context, serve, kind);
      expect(made).toBe(kind);
      await expect.poll(async () => (await seenEvents(page)).some((e) => e.type === 'snapshot' && typeof e.cameras === 'number'), { message: 'snapshot pushes' }).toBe(true);

      const pushedBefore = (await seenEvents(page)).length;
      const { id } = accepted<{ id: string }>('addCamera', await call(page, { method: 'addCamera', camera: { name: cameraName, source: { kind: 'webcam' } } }));
      await expect.poll(async () => (await seenEvents(page)).slice(pushedBefore).some((e) => e.type === 'config'), { message: 'the changed config is pushed' }).toBe(true);
      await expect.poll(() => harness.hasChannel(page, id), { timeout: SLOW, message: 'a frame channel once the worker runs' }).toBe(true);
      const snapshot = accepted<EngineSnapshot>('getSnapshot', await call(page, { method: 'getSnapshot' }));
      const models = accepted<ModelListEntry[]>('listModels', await call(page, { method: 'listModels' }));
      const model = models.find((m) => m.name === snapshot.cameras.find((c) => c.id === id)?.model);
      expect(model, 'the camera runs a listed model').toBeDefined();
      expect(model!.inputWidth).toBe(model!.inputHeight);
      const side = model!.inputWidth;
      const picture = astronaut();
      const frame = (frameId: number, name: string | null) => ({ cameraId: id, frameId, width: side, height: side, picture: name, sourceWidth: picture.width, sourceHeight: picture.height });

      // A grey frame: answered with a result that names this page's frame id.
      const [grey] = await harness.sendFrames(page, frame(424_242, null), 1);
      expect(grey).toMatchObject({ type: 'result', cameraId: id, frameId: 424_242 });

      // The astronaut, frames back to back (the tracker wants a new track seen in frames closer
      // together than its 250 ms tick): the real model finds the face, the worker's tracker makes an event.
      await harness.storePicture(page, 'astronaut', squareRgb(picture, side));
      let faces = 0;
      for (let round = 0; round < 10; round++) {
        const replies = await harness.sendFrames(page, frame(500_000 + round * 10, 'astronaut'), 10);
        expect(replies.map((r) => r.frameId)).toEqual(Array.from({ length: 10 }, (_, i) => 500_000 + round * 10 + i));
        faces += replies.filter((r) => r.type === 'result' && r.cameraId === id && r.detections.some((d) => d.label === 'face')).length;
        if (faces >= 3 && (await harness.snapshotRequests(page)).some((r) => r.cameraId === id)) break;
      }
      expect(faces, 'frames in which the model found the face').toBeGreaterThanOrEqual(3);
      await expect.poll(async () => (await seenEvents(page)).some((e) => e.type === 'event' && e.cameraId === id && e.change === 'new'), { timeout: SLOW, message: "the face's event is pushed" }).toBe(true);
      const requests = await harness.snapshotRequests(page);
      expect(requests.filter((r) => r.cameraId === id).length, 'snapshot requests on the frame path').toBeGreaterThan(0);
      expect(await harness.answerSnapshotRequests(page, picture.jpeg)).toBeGreaterThan(0);
      await expect.poll(() => newestSnapshotSize(serve, id), { timeout: SLOW, message: "the event's snapshot is the page's picture" }).toBe(`${picture.width}x${picture.height}`);
    });

    test('every engine API method answers with a value its contract schema accepts', async ({ context, serve }) => {
      await routeWire(context);
      const { page } = await openContractPage(context, serve, kind);
      const outcomes = new Map<ApiMethod, CallOutcome>();
      const run = async <T = unknown>(request: ApiRequest): Promise<T> => {
        const outcome = await call(page, request);
        outcomes.set(request.method, outcome);
        return accepted<T>(request.method, outcome);
      };

      const config = await run<{ cameras: Array<{ id?: string; name: string }>; events?: unknown }>({ method: 'getConfig' });
      const id = config.cameras.find((c) => c.name === cameraName)?.id;
      expect(id, 'the camera of the first test').toBeDefined();
      await run({ method: 'getSnapshot' });
      await run({ method: 'listModels' });
      await run({ method: 'getEventsStatus' });
      const events = await run<{ events: Array<{ id: string }> }>({ method: 'listEvents', query: { camera: id!, limit: 5 } });
      expect(events.events.length, "the face's event").toBeGreaterThan(0);
      const eventId = events.events[0].id;
      const image = await run<{ bytes: number; head: number[] }>({ method: 'getEventImage', id: eventId, kind: 'snapshot' });
      expect(image.head, 'a JPEG').toEqual([0xff, 0xd8, 0xff]);
      await run({ method: 'setEventSettings', settings: EventSettings.parse(config.events ?? {}) });
      await run({ method: 'setSettings', settings: {} });

      const kept = await keepMedia(page, picture1x1Png(), 'image/png');
      outcomes.set('keepMedia', kept);
      expect(accepted<{ ref: string }>('keepMedia', kept).ref).toMatch(/^media:/);
      const extra = await run<{ id: string }>({ method: 'addCamera', camera: { name: `${cameraName} extra`, source: { kind: 'webcam' } } });
      expect(await run({ method: 'updateCamera', id: extra.id, patch: { name: `${cameraName} renamed` } })).toEqual({ updated: true });
      expect(await run({ method: 'reorderCameras', ids: [extra.id, id!] })).toEqual({ reordered: true });
      const groups = await run<Array<{ name: string; cameras: string[] }>>({ method: 'setGroups', groups: [{ name: 'Contract', cameras: [extra.id, id!] }] });
      expect(groups).toEqual([{ name: 'Contract', cameras: [extra.id, id!] }]);
      expect(await run({ method: 'removeCamera', id: extra.id })).toEqual({ removed: true });
      expect(await run({ method: 'deleteEvent', id: eventId })).toEqual({ deleted: true });
      expect(await run({ method: 'removeCamera', id: id! })).toEqual({ removed: true });

      expect([...outcomes.keys()].sort(), 'every method of the contract was asked').toEqual(Object.keys(ApiResultSchemas).sort());
    });

    test("an engine error comes back as a rejected promise with the engine's message", async ({ context, serve }) => {
      await routeWire(context);
      const { page } = await openContractPage(context, serve, kind);
      // What the engine itself says about a bad cursor (its HTTP route answers with the same hub's error).
      const res = await fetch(`${serve.origin}/api/events?cursor=not-a-cursor`, { headers: { Authorization: `Bearer ${serve.token}` } });
      expect(res.status).toBe(400);
      const said = ((await res.json()) as { error: string }).error;
      expect(said).toMatch(/^invalid cursor/);
      expect(await call(page, { method: 'listEvents', query: { cursor: 'not-a-cursor', limit: 5 } })).toEqual({ ok: false, error: said });
      const missing = await call(page, { method: 'getEventImage', id: '1-abcdef', kind: 'crop' });
      expect(missing.ok).toBe(false);
      expect(!missing.ok && missing.error).toContain('no such event or no snapshot');
    });

    test('an answer of the wrong shape, and a malformed push, are refused by the bridge', async ({ context, serve }) => {
      const wire = await routeWire(context);
      const { page } = await openContractPage(context, serve, kind);
      const outcome = await call(page, { method: 'removeCamera', id: WRONG_ANSWER_ID });
      expect(wire.rewritten, 'the engine answered and the answer was changed on the wire').toBe(1);
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toMatch(/^removeCamera: the engine's answer has the wrong shape \(.*boolean.* at removed\)$/);

      // A snapshot push without its cameras, then a good notice: the notice arrives, the snapshot does not.
      const before = (await seenEvents(page)).length;
      wire.toPage({ kind: 'event', event: { type: 'snapshot', snapshot: { at: MALFORMED_AT, cameras: 'none' } } });
      wire.toPage({ kind: 'event', event: { type: 'notice', notice: { level: 'info', message: 'contract marker' } } });
      await expect.poll(async () => (await seenEvents(page)).slice(before).some((e) => e.type === 'notice')).toBe(true);
      expect((await seenEvents(page)).filter((e) => e.at === MALFORMED_AT)).toEqual([]);
    });
  });
}

/** The smallest PNG there is: one grey pixel. */
function picture1x1Png(): Uint8Array {
  return new Uint8Array(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg==', 'base64'));
}
