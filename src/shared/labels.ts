/**
 * Labels are keys (events, MQTT topics, the API, filters, per-label thresholds): always lowercase,
 * whatever capitalisation the model's label map has ("Person" becomes "person"). The UI shows them
 * with a capital first letter.
 */
export function labelKey(label: string): string {
  return label.trim().toLowerCase();
}

/** How the UI shows a label: "person" as "Person", "computer mouse" as "Computer mouse". */
export function displayLabel(label: string): string {
  return label.length > 0 ? label[0].toUpperCase() + label.slice(1) : label;
}

/** The threshold a detection of `label` must reach: its own, else the camera's. */
export function thresholdFor(label: string | undefined, scoreThreshold: number, labelThresholds: Readonly<Record<string, number>> | undefined): number {
  const own = label !== undefined ? labelThresholds?.[labelKey(label)] : undefined;
  return own ?? scoreThreshold;
}

/** The same thresholds keyed by lowercase label. */
export function labelThresholdKeys(thresholds: Readonly<Record<string, number>> | undefined): Record<string, number> | undefined {
  if (!thresholds) return undefined;
  return Object.fromEntries(Object.entries(thresholds).map(([k, v]) => [labelKey(k), v]));
}
