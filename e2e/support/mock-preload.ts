/**
 * MOCK of the desktop app's preload script, for the one thing Electron's absence hides here: the
 * renderer's Electron bridge (src/renderer/src/bridge/electron.ts). Injected before the page's
 * own scripts, it exposes `window.multicam` { request, onEvent } and hands the page one
 * MessagePort per running camera with window.postMessage({ type: 'multicam:port', cameraId }, '*',
 * [port]), exactly as the contract says main and the preload do. Behind it, instead of Electron IPC
 * and a worker's port, it talks to serve mode's WebSocket (the same engine). Requests are answered
 * with ApiResponse envelopes ({ ok, value } / { ok, error }), which the bridge unwraps; like the
 * desktop app, whose engine starts once the page has loaded, it refuses the page's first three
 * requests.
 *
 * Plain JavaScript in a string: it runs in the page, and this project's types have no DOM.
 */
export const MOCK_PRELOAD = String.raw`
(() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  const socket = new WebSocket('ws://' + location.host + '/ws?token=' + encodeURIComponent(token));
  socket.binaryType = 'arraybuffer';
  const open = new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
  const pending = new Map();
  const listeners = new Set();
  const ports = new Map(); // cameraId -> { port, pid }
  let nextId = 1;
  window.__mockPreload = { framesOverPorts: 0, resultsOverPorts: 0, portsSent: 0, refusedEarly: 0 };

  function encodeFrame(frame) {
    const { data, ...header } = frame;
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(4 + json.length + data.length);
    new DataView(out.buffer).setUint32(0, json.length, false);
    out.set(json, 4);
    out.set(data, 4 + json.length);
    return out;
  }

  function refreshPorts(snapshot) {
    for (const camera of snapshot.cameras) {
      if (camera.state !== 'running') continue;
      const current = ports.get(camera.id);
      if (current && current.pid === camera.pid) continue;
      if (current) current.port.close();
      const channel = new MessageChannel();
      channel.port1.onmessage = (event) => {
        window.__mockPreload.framesOverPorts++;
        socket.send(encodeFrame(event.data));
      };
      ports.set(camera.id, { port: channel.port1, pid: camera.pid });
      window.__mockPreload.portsSent++;
      window.postMessage({ type: 'multicam:port', cameraId: camera.id }, '*', [channel.port2]);
    }
  }

  socket.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') return;
    const message = JSON.parse(event.data);
    if (message.kind === 'response') {
      const resolve = pending.get(message.id);
      pending.delete(message.id);
      if (resolve) resolve(message.response);
    } else if (message.kind === 'event') {
      if (message.event.type === 'snapshot') refreshPorts(message.event.snapshot);
      for (const listener of listeners) listener(message.event);
    } else if (message.kind === 'frame') {
      const entry = ports.get(message.message.cameraId);
      if (entry) {
        window.__mockPreload.resultsOverPorts++;
        entry.port.postMessage(message.message);
      }
    }
  });

  window.multicam = {
    async request(request) {
      // Like the desktop app, whose engine starts only after the page has loaded: early requests are
      // refused. Counted, not timed, so a slow page load on a busy machine still meets them.
      if (window.__mockPreload.refusedEarly < 3) {
        window.__mockPreload.refusedEarly++;
        return { ok: false, error: 'the engine is not running (the page is loading)' };
      }
      await open;
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ kind: 'request', id, request }));
      });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
})();
`;
