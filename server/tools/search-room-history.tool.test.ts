import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadTools, type ToolRegistry } from './registry.ts';
import { createTestContext } from './test-support/create-test-context.ts';
import type { RoomHistoryMatch } from './tool.ts';

function match(index: number, content = `message ${index}`): RoomHistoryMatch {
  return { id: `m${index}`, authorName: 'Maya', content, createdAt: '2026-11-22T09:00:00.000Z' };
}

describe('search_room_history tool', () => {
  let tools: ToolRegistry;
  beforeAll(async () => {
    tools = await loadTools();
  });

  it('searches through the context with a default limit of 5', async () => {
    const searchRoomHistory = vi.fn(async () => [match(1)]);
    const context = createTestContext({ searchRoomHistory });
    const outcome = await tools.run('search_room_history', { query: '  launch date ' }, context);
    expect(searchRoomHistory).toHaveBeenCalledExactlyOnceWith('launch date', 5);
    expect(outcome).toEqual({ result: { query: 'launch date', matches: [match(1)] } });
  });

  it('passes the limit, and keeps to it even if the search returns more', async () => {
    const searchRoomHistory = vi.fn(async () => [match(1), match(2), match(3)]);
    const context = createTestContext({ searchRoomHistory });
    const outcome = await tools.run('search_room_history', { query: 'x', limit: 2 }, context);
    expect(searchRoomHistory).toHaveBeenCalledWith('x', 2);
    expect(outcome).toEqual({ result: { query: 'x', matches: [match(1), match(2)] } });
  });

  it('takes the room from the context only: a room in the arguments is refused', async () => {
    const schema = tools.specs(['search_room_history'])[0]?.parameters;
    expect(Object.keys((schema?.properties ?? {}) as object)).toEqual(['query', 'limit']);
    // zod objects strip unknown keys: a smuggled room id never reaches the tool.
    const searchRoomHistory = vi.fn(async () => []);
    const context = createTestContext({ searchRoomHistory });
    await tools.run('search_room_history', { query: 'x', roomId: 'other-room' }, context);
    expect(searchRoomHistory).toHaveBeenCalledWith('x', 5);
  });

  it('cuts long messages to 500 characters', async () => {
    const searchRoomHistory = async () => [match(1, 'a'.repeat(2_000))];
    const outcome = await tools.run(
      'search_room_history',
      { query: 'a' },
      createTestContext({ searchRoomHistory }),
    );
    expect(outcome).toEqual({ result: { query: 'a', matches: [match(1, `${'a'.repeat(500)}…`)] } });
  });

  it.each([
    [{ query: '   ' }, 'query: must not be empty'],
    [{ query: 'x', limit: 0 }, 'limit: Too small: expected number to be >=1'],
    [{ query: 'x', limit: 21 }, 'limit: Too big: expected number to be <=20'],
    [{ query: 'x', limit: 2.5 }, 'limit: Invalid input: expected int, received number'],
  ])('rejects %j', async (args, problem) => {
    await expect(tools.run('search_room_history', args, createTestContext())).resolves.toEqual({
      error: `Invalid arguments for search_room_history: ${problem}.`,
    });
  });

  it('reports a failing search without leaking its details', async () => {
    const searchRoomHistory = async () => {
      throw new Error('relation "messages" does not exist');
    };
    const context = createTestContext({ searchRoomHistory });
    await expect(tools.run('search_room_history', { query: 'x' }, context)).resolves.toEqual({
      error: 'search_room_history failed unexpectedly.',
    });
  });
});
