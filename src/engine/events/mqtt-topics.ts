/**
 * MQTT topic names, the Frigate way: cameras by a slug of their name (unique among the cameras),
 * labels lowercase. Topic levels never hold `+`, `#`, `/` or nothing.
 */
import { labelKey } from '../../shared/labels';

/** Names under PREFIX/ that are not cameras. */
const RESERVED = new Set(['events', 'available']);

/** A topic level from any text: lowercase letters, digits, `_` and `-`. */
export function slug(text: string): string {
  const clean = labelKey(text)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // "Caméra" is "camera", not "cam_ra"
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return clean.length > 0 ? clean : '_';
}

/** What a camera's name gives as its slug, before it is made unique. */
function baseSlug(name: string): string {
  const base = slug(name);
  return RESERVED.has(base) ? `${base}_camera` : base;
}

/** `kept` is `base` or `base_N`. */
function givenBy(base: string, kept: string): boolean {
  return kept === base || (kept.startsWith(`${base}_`) && /^[0-9]+$/.test(kept.slice(base.length + 1)));
}

/**
 * Each camera's slug: its name's, and a name that repeats one before it gets _2, _3, … A slug
 * given before (`previous`) is kept while the name still gives it, so removing or renaming one
 * camera never moves another's topics.
 */
export function cameraSlugs(cameras: readonly { id: string; name: string }[], previous: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const camera of cameras) {
    const kept = previous.get(camera.id);
    const base = baseSlug(camera.name);
    if (kept !== undefined && givenBy(base, kept) && !taken.has(kept)) {
      taken.add(kept);
      out.set(camera.id, kept);
    }
  }
  for (const camera of cameras) {
    if (out.has(camera.id)) continue;
    const base = baseSlug(camera.name);
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    out.set(camera.id, candidate);
  }
  // In the cameras' order.
  return new Map(cameras.map((c) => [c.id, out.get(c.id)!]));
}

/** The topics of one camera under the prefix. */
export function cameraTopics(prefix: string, cameraSlug: string) {
  const base = `${prefix}/${cameraSlug}`;
  return {
    count: (label: string) => `${base}/${slug(label)}`,
    snapshot: (label: string) => `${base}/${slug(label)}/snapshot`,
    motion: `${base}/motion`,
    detectSet: `${base}/detect/set`,
    detectState: `${base}/detect/state`,
  };
}
