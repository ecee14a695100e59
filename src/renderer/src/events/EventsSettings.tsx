/**
 * Event settings: retention (days, megabytes), MQTT (broker URL, credentials, topic prefix) with
 * the broker's state, where events are stored, and the opt-in system notifications for chosen
 * cameras and labels.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { EventSettings } from '../../../shared/contracts/events';
import { useEngine } from '../context';
import { errorMessage } from '../state/engine';
import { store } from '../state/store';
import { eventsStore, setNotify } from './store';

export function EventsSettings() {
  const { bridge } = useEngine();
  const saved = useStore(store, (s) => s.config?.events);
  const cameras = useStore(store, (s) => s.config?.cameras ?? []);
  const status = useStore(eventsStore, (s) => s.status);
  const notify = useStore(eventsStore, (s) => s.notify);
  const [days, setDays] = useState('30');
  const [mb, setMb] = useState('2000');
  const [url, setUrl] = useState('');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [prefix, setPrefix] = useState('multicam');
  const [homeAssistant, setHomeAssistant] = useState(true);
  const [discoveryPrefix, setDiscoveryPrefix] = useState('homeassistant');
  const [state, setState] = useState<{ error: string | null; saved: boolean }>({ error: null, saved: false });
  const savedKey = JSON.stringify(saved ?? null);
  useEffect(() => {
    const s = EventSettings.parse(saved ?? {});
    setDays(s.retentionDays === null ? '' : String(s.retentionDays));
    setMb(s.retentionMB === null ? '' : String(s.retentionMB));
    setUrl(s.mqtt?.url ?? '');
    setUser(s.mqtt?.username ?? '');
    setPassword(s.mqtt?.password ?? '');
    setPrefix(s.mqtt?.prefix ?? 'multicam');
    setHomeAssistant(s.mqtt?.homeAssistant ?? true);
    setDiscoveryPrefix(s.mqtt?.discoveryPrefix ?? 'homeassistant');
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [savedKey]);

  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const parsed = EventSettings.safeParse({
      retentionDays: days.trim() ? Number(days) : null,
      retentionMB: mb.trim() ? Number(mb) : null,
      ...(url.trim() ? { mqtt: { url: url.trim(), prefix: prefix.trim() || 'multicam', homeAssistant, discoveryPrefix: discoveryPrefix.trim() || 'homeassistant', ...(user ? { username: user } : {}), ...(password ? { password } : {}) } } : {}),
    });
    if (!parsed.success) {
      setState({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), saved: false });
      return;
    }
    try {
      await bridge.request({ method: 'setEventSettings', settings: parsed.data });
      setState({ error: null, saved: true });
    } catch (err) {
      setState({ error: errorMessage(err), saved: false });
    }
  };

  const mqtt = status?.mqtt;
  const toggleIn = (list: string[], v: string) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  return (
    <form className="events-settings" onSubmit={(e) => void save(e)} data-testid="events-settings">
      <h3>Events</h3>
      <p className="muted" data-testid="events-storage">
        {status ? (status.storage.available ? `Stored in ${status.storage.dir}` : `Not stored: ${status.storage.error ?? 'unavailable'}`) : '…'}
      </p>
      <label>
        Keep days <input value={days} onChange={(e) => setDays(e.target.value)} inputMode="decimal" placeholder="forever" />
      </label>
      <label>
        Keep MB <input value={mb} onChange={(e) => setMb(e.target.value)} inputMode="decimal" placeholder="no cap" />
      </label>
      <label>
        MQTT broker <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="mqtt://host:1883 (off when empty)" data-testid="mqtt-url" />
      </label>
      <label>
        User <input value={user} onChange={(e) => setUser(e.target.value)} autoComplete="off" />
      </label>
      <label>
        Password <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="off" />
      </label>
      <label>
        Topic prefix <input value={prefix} onChange={(e) => setPrefix(e.target.value)} />
      </label>
      <label>
        <input type="checkbox" checked={homeAssistant} onChange={(e) => setHomeAssistant(e.target.checked)} data-testid="mqtt-home-assistant" /> Home Assistant discovery (each camera appears as a device)
      </label>
      {homeAssistant && (
        <label>
          Discovery prefix <input value={discoveryPrefix} onChange={(e) => setDiscoveryPrefix(e.target.value)} />
        </label>
      )}
      <p className="muted" data-testid="mqtt-status">
        MQTT: {mqtt ? `${mqtt.state}${mqtt.error ? ` (${mqtt.error})` : ''}${mqtt.retryAt ? `, retry at ${new Date(mqtt.retryAt).toLocaleTimeString()}` : ''}` : 'off'}
      </p>
      <fieldset>
        <legend>
          <label>
            <input
              type="checkbox"
              checked={notify.enabled}
              onChange={async (e) => {
                const enabled = e.target.checked;
                if (enabled && typeof Notification !== 'undefined' && Notification.permission === 'default') await Notification.requestPermission();
                setNotify({ ...notify, enabled });
              }}
            />{' '}
            System notifications
          </label>
        </legend>
        {notify.enabled && (
          <>
            <div className="chips">
              {cameras.map((c) => (
                <label key={c.id}>
                  <input type="checkbox" checked={notify.cameras.includes(c.id ?? '')} onChange={() => setNotify({ ...notify, cameras: toggleIn(notify.cameras, c.id ?? '') })} /> {c.name}
                </label>
              ))}
            </div>
            <label>
              Labels <input value={notify.labels.join(', ')} onChange={(e) => setNotify({ ...notify, labels: e.target.value.split(',').map((s) => s.trim()).filter(Boolean) })} placeholder="all (e.g. face, person)" />
            </label>
            <p className="muted">No camera ticked: every camera.</p>
          </>
        )}
      </fieldset>
      <button type="submit" className="primary">
        Save event settings
      </button>
      {state.error && <p className="error">{state.error}</p>}
      {state.saved && <p className="muted">Saved.</p>}
    </form>
  );
}
