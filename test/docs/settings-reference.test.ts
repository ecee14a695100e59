/**
 * The README's settings reference against the configuration file's schema: every field the zod
 * schema has must have its row, every row must name a field the schema has, and a default the
 * schema declares must be the one the row gives.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { AppConfig } from '../../src/shared/contracts/config';

const README = path.resolve(__dirname, '../../README.md');
const BEGIN = '<!-- settings-reference:begin -->';
const END = '<!-- settings-reference:end -->';

type Field = { path: string; defaultValue?: unknown };

/** The zod 4 definition of a schema, as far as this walk needs it. */
type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
  defaultValue?: unknown;
};
const defOf = (schema: z.ZodType): Def => (schema as unknown as { def: Def }).def;

/** Optional, nullable, default and friends wrap the schema that has the fields. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The default a field declares (the outermost .default()), if any. */
function declaredDefault(schema: z.ZodType): unknown {
  let def = defOf(schema);
  while (WRAPPERS.has(def.type)) {
    if (def.type === 'default') return def.defaultValue;
    def = defOf(def.innerType!);
  }
  return undefined;
}

/**
 * Every field path below `schema`: object keys joined with '.', array elements as '[]', the
 * options of a union (a camera's source kinds) merged into one set of keys.
 */
export function fieldPaths(schema: z.ZodType, prefix = ''): Field[] {
  const def = defOf(schema);
  if (WRAPPERS.has(def.type)) return fieldPaths(def.innerType!, prefix);
  if (def.type === 'pipe') return fieldPaths(def.in!, prefix);
  if (def.type === 'array') return fieldPaths(def.element!, `${prefix}[]`);
  if (def.type === 'union') return def.options!.flatMap((option) => fieldPaths(option, prefix));
  if (def.type !== 'object') return [];
  return Object.entries(def.shape!).flatMap(([key, child]) => {
    const here = prefix ? `${prefix}.${key}` : key;
    return [{ path: here, defaultValue: declaredDefault(child) }, ...fieldPaths(child, here)];
  });
}

/** The schema's fields, one entry per path (a key several source kinds share appears once). */
function schemaFields(): Map<string, Field> {
  const fields = new Map<string, Field>();
  for (const field of fieldPaths(AppConfig)) if (!fields.has(field.path)) fields.set(field.path, field);
  return fields;
}

/** The reference's rows: `| \`path\` | default | meaning |`, between the markers. */
function referenceRows(): Map<string, { defaultCell: string; meaning: string }> {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
  const rows = new Map<string, { defaultCell: string; meaning: string }>();
  for (const line of text.slice(start + BEGIN.length, end).split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|([^|]*)\|(.*)\|\s*$/.exec(line.trim());
    if (!m) continue;
    if (rows.has(m[1])) throw new Error(`the settings reference lists ${m[1]} twice`);
    rows.set(m[1], { defaultCell: m[2].trim(), meaning: m[3].trim() });
  }
  return rows;
}

describe('the settings reference in README.md', () => {
  it('walks the schema into the fields a config file can hold', () => {
    const paths = [...schemaFields().keys()];
    // The walk reaches every level: the top, a camera, its source kinds, event zones, engine settings, MQTT.
    expect(paths).toEqual(
      expect.arrayContaining([
        'cameras',
        'cameras[].source.kind',
        'cameras[].source.url',
        'cameras[].source.realtime',
        'cameras[].events.zones[].points[].x',
        'settings.sourceTimeoutMs',
        'events.mqtt.prefix',
      ]),
    );
    expect(schemaFields().get('settings.delegate')?.defaultValue).toBe('xnnpack');
  });

  it('has a row for every field of the configuration file', () => {
    const rows = referenceRows();
    const missing = [...schemaFields().keys()].filter((p) => !rows.has(p));
    expect(missing, 'fields without a row in the README settings reference').toEqual([]);
  });

  it('names no field the configuration file does not have', () => {
    const fields = schemaFields();
    const unknown = [...referenceRows().keys()].filter((p) => !fields.has(p));
    expect(unknown, 'rows for fields the schema does not have').toEqual([]);
  });

  it('gives each field a meaning, and the default the schema declares', () => {
    const rows = referenceRows();
    for (const [fieldPath, field] of schemaFields()) {
      const row = rows.get(fieldPath);
      if (!row) continue; // reported by the test above
      expect(row.meaning.length, `${fieldPath} has no meaning`).toBeGreaterThan(0);
      const value = field.defaultValue;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        expect(row.defaultCell, `${fieldPath}: the schema's default is ${String(value)}`).toContain(String(value));
      } else if (value === null) {
        expect(row.defaultCell, `${fieldPath}: the schema's default is null`).toContain('null');
      }
    }
  });
});
