/**
 * Which `postgres_changes` binding asks for which change: Supabase's filter syntax
 * (`col=eq|neq|lt|lte|gt|gte|in.value`), events, schemas and tables. Delivery over real sockets
 * with supabase-js is test/realtime/postgres-changes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { bindingMatches, parseFilter, toBinding, type RowChange } from './postgres-changes.ts';

const change = (overrides: Partial<RowChange> = {}): RowChange => ({
  table: 'messages',
  type: 'INSERT',
  record: { id: 'm1', room_id: 'lobby', position: 7, status: 'complete', model: null },
  oldRecord: {},
  columns: [],
  roomId: 'lobby',
  parentId: null,
  commitTimestamp: new Date(0).toISOString(),
  ...overrides,
});

const matches = (binding: Record<string, unknown>, row = change()) => {
  const parsed = toBinding(binding, 1);
  return parsed !== undefined && bindingMatches(parsed, row);
};

describe('postgres_changes bindings', () => {
  it.each([
    ['room_id=eq.lobby', true],
    ['room_id=eq.annex', false],
    ['room_id=neq.annex', true],
    ['position=lt.8', true],
    ['position=lt.7', false],
    ['position=lte.7', true],
    ['position=gt.6', true],
    ['position=gt.10', false],
    ['position=gte.7', true],
    ['room_id=in.(annex,lobby)', true],
    ['room_id=in.(annex,"other")', false],
    ['position=in.(1,7)', true],
    ['model=eq.null', false],
    ['no_such_column=eq.1', false],
  ])('filter %s matches: %s', (filter, expected) => {
    expect(matches({ event: '*', schema: 'public', table: 'messages', filter })).toBe(expected);
  });

  it('compares numbers as numbers, not as text', () => {
    expect(matches({ event: '*', schema: 'public', filter: 'position=gt.10' })).toBe(false);
    expect(
      matches(
        { event: '*', schema: 'public', filter: 'position=gt.10' },
        change({ record: { position: 9 } }),
      ),
    ).toBe(false);
    expect(
      matches(
        { event: '*', schema: 'public', filter: 'position=gt.10' },
        change({ record: { position: 100 } }),
      ),
    ).toBe(true);
  });

  it('a filter that does not parse matches nothing', () => {
    expect(parseFilter('room_id=like.lobby')).toBeNull();
    expect(parseFilter('room_id=in.lobby')).toBeNull();
    expect(parseFilter('room_id')).toBeNull();
    expect(matches({ event: '*', schema: 'public', filter: 'room_id' })).toBe(false);
  });

  it('matches the event, the schema (public or *) and the table (or every table)', () => {
    expect(matches({ event: 'INSERT', schema: 'public', table: 'messages' })).toBe(true);
    expect(matches({ event: 'insert', schema: 'public', table: 'messages' })).toBe(true);
    expect(matches({ event: 'UPDATE', schema: 'public', table: 'messages' })).toBe(false);
    expect(matches({ event: '*', schema: '*' })).toBe(true);
    expect(matches({ event: '*', schema: 'public' })).toBe(true);
    expect(matches({ event: '*', schema: 'private', table: 'messages' })).toBe(false);
    expect(matches({ event: '*', schema: 'public', table: 'rooms' })).toBe(false);
    expect(matches({ event: 'TRUNCATE', schema: 'public', table: 'messages' })).toBe(false);
    expect(matches({ schema: 'public', table: 'messages' })).toBe(false);
  });

  it('never filters a DELETE, whose old record has the key only (as on Supabase)', () => {
    const deleted = change({ type: 'DELETE', record: {}, oldRecord: { id: 'm1' } });
    expect(
      matches(
        { event: 'DELETE', schema: 'public', table: 'messages', filter: 'room_id=eq.x' },
        deleted,
      ),
    ).toBe(true);
  });
});
