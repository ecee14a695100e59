/** Number formatting for badges and the panel. */

export function fmt(value: number | undefined | null, digits = 1): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  return value.toFixed(digits);
}

export function fmtBytes(bytes: number): string {
  if (!bytes) return '–';
  const mb = bytes / (1024 * 1024);
  return mb >= 1024 ? `${(mb / 1024).toFixed(2)} GB` : `${mb.toFixed(0)} MB`;
}
