/**
 * Replies per process (docs/architecture.md §10): one process streams every reply of many busy
 * rooms at once when `CHORUS_MAX_CONCURRENT_REPLIES` allows it, and no more than that setting
 * otherwise (the rest wait queued and stream later). The whole server runs; the model holds
 * each stream open after its first token until the test has seen how many stream together.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChatModel, ChatRequest, ChatStreamPart } from '../../server/providers/chat-model.ts';
import { startChorusServer, type TestChorusServer } from '../helpers/chorus-server.ts';
import { RoomVisitor } from '../helpers/room-visitor.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ROOMS = 20;
/** 20 visitors join and 60 replies stream: slower than most tests on a loaded machine. */
const TIMEOUT_MS = 60_000;
const AGENTS = 3; // the shipped personas, all answering under policy `all`

/**
 * Streams a first token, then waits until `release()` (or until `holdAll` streams are open at
 * once), then ends; counts the streams open at the same time.
 */
class HoldingModel implements ChatModel {
  readonly provider = 'holding';
  open = 0;
  mostOpen = 0;
  private released = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly holdAll: number) {}

  release(): void {
    this.released = true;
    for (const wake of this.waiters) wake();
  }

  async *stream(request: ChatRequest): AsyncGenerator<ChatStreamPart, void, undefined> {
    this.open += 1;
    this.mostOpen = Math.max(this.mostOpen, this.open);
    if (this.open >= this.holdAll) this.release();
    try {
      yield { type: 'text-delta', delta: 'Thinking' };
      if (!this.released)
        await new Promise<void>((resolve) => {
          this.waiters.add(resolve);
          request.signal.addEventListener('abort', () => resolve(), { once: true });
        });
      yield { type: 'text-delta', delta: ' done.' };
      yield { type: 'finish', reason: 'stop', usage: { inputTokens: 10, outputTokens: 2 } };
    } finally {
      this.open -= 1;
    }
  }
}

let server: TestChorusServer;
let visitors: RoomVisitor[] = [];

afterEach(async () => {
  await Promise.all(visitors.map((visitor) => visitor.disconnect()));
  visitors = [];
  await server?.close();
});

/** Opens ROOMS rooms with a listening visitor each, and posts one message to every room. */
async function busyRooms(): Promise<RoomVisitor[]> {
  const ids = Array.from({ length: ROOMS }, (_, index) => `busy-${index}`);
  for (const id of ids)
    await server.store.rooms.ensureRoom({ id, title: id, settings: { policy: 'all' } });
  visitors = await Promise.all(ids.map((id) => RoomVisitor.join(server.url, id, 'Ada')));
  await Promise.all(visitors.map((visitor) => visitor.post('Everyone, what do you think?')));
  return visitors;
}

const ended = (visitor: RoomVisitor) =>
  visitor.events.filter((event) => event.event === 'message-end').length;

describe('replies per process', { timeout: TIMEOUT_MS }, () => {
  it(`streams all ${ROOMS} rooms × ${AGENTS} agents at once when the cap allows`, async () => {
    const model = new HoldingModel(ROOMS * AGENTS);
    server = await startChorusServer({
      modelFor: () => model,
      env: { CHORUS_MAX_CONCURRENT_REPLIES: String(ROOMS * AGENTS) },
    });
    const rooms = await busyRooms();

    // Every stream holds after its first token until all of them are open: the replies can only
    // finish if the process streams every one of them at the same time.
    await waitFor(() => rooms.every((visitor) => ended(visitor) === AGENTS), {
      timeoutMs: 45_000,
      what: `${ROOMS * AGENTS} replies streaming together, then ending`,
    });
    expect(model.mostOpen).toBe(ROOMS * AGENTS);
    for (const visitor of rooms) {
      const replies = (await visitor.fetchMessages()).filter(
        (message) => message.author.kind === 'agent',
      );
      expect(replies.map((reply) => [reply.status, reply.content])).toEqual(
        Array.from({ length: AGENTS }, () => ['complete', 'Thinking done.']),
      );
    }
  });

  it('streams no more than CHORUS_MAX_CONCURRENT_REPLIES at once; the rest wait and stream later', async () => {
    const cap = 8;
    const model = new HoldingModel(Number.POSITIVE_INFINITY);
    server = await startChorusServer({
      modelFor: () => model,
      env: { CHORUS_MAX_CONCURRENT_REPLIES: String(cap) },
    });
    const rooms = await busyRooms();

    await waitFor(() => model.open === cap, { timeoutMs: 10_000, what: `${cap} open streams` });
    // Give the worker every chance to claim more than it may (it is woken by each post).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(model.open).toBe(cap);
    const { rows } = await server.store.sql.query<{ count: string | number }>(
      `select count(*) from agent_runs where status = 'queued'`,
    );
    expect(Number(rows[0]!.count)).toBe(ROOMS * AGENTS - cap);

    model.release();
    await waitFor(() => rooms.every((visitor) => ended(visitor) === AGENTS), {
      timeoutMs: 45_000,
      what: 'every queued reply streamed in turn',
    });
    expect(model.mostOpen).toBe(cap);
  });
});
