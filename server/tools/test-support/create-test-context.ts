import type { ToolContext } from '../tool.ts';

/**
 * A {@link ToolContext} for tests: room `room-1`, a signal nobody aborts, a fixed clock and an
 * empty history, each replaceable.
 * @example
 * await registry.run('current_time', {}, createTestContext({ now: () => new Date(0) }));
 */
export function createTestContext(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    roomId: 'room-1',
    signal: new AbortController().signal,
    now: () => new Date('2026-11-22T10:00:00Z'),
    searchRoomHistory: async () => [],
    ...overrides,
  };
}
