/** Paging cursors: opaque to clients, base64url of the last event's start and id, validated back. */
import { z } from 'zod';
import { EventId } from '../../shared/contracts/events';

const Cursor = z.tuple([z.number().int().nonnegative(), EventId]);

export function encodeCursor(c: { start: number; id: string }): string {
  return Buffer.from(JSON.stringify([c.start, c.id])).toString('base64url');
}

export class BadCursorError extends Error {}

export function decodeCursor(raw: string): { start: number; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursorError('not a cursor from this API');
  }
  const r = Cursor.safeParse(parsed);
  if (!r.success) throw new BadCursorError('not a cursor from this API');
  return { start: r.data[0], id: r.data[1] };
}
