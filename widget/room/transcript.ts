import { applyReplyEvent } from '../../protocol/reply-snapshot.ts';
import type { Message, RoomEvents, SequencedEventName } from '../../protocol/room.ts';

const SEQUENCED: ReadonlySet<string> = new Set(['text-delta', 'reasoning-delta', 'tool-call', 'tool-result']);

/** What applying an event asks of the caller: nothing, or refetching a message whose events have a gap. */
export type MergeOutcome = { kind: 'applied' } | { kind: 'ignored' } | { kind: 'gap'; messageId: string };

/**
 * A room's transcript as a client holds it, merged from a REST snapshot and live events by
 * (id, seq) (ARCHITECTURE.md §3, catch-up): duplicates (`seq` at or below the known one) are
 * dropped, a gap (`seq` beyond the next) asks for a refetch, `message-end` and snapshots of
 * finished messages always win. Whatever order things arrive in, a client that refetches on
 * gaps converges on the persisted transcript.
 */
export class Transcript {
  private readonly byId = new Map<string, Message>();

  /** Messages oldest first. */
  list(): Message[] {
    return [...this.byId.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  get(id: string): Message | undefined {
    return this.byId.get(id);
  }

  /**
   * Merges messages from the REST API (a page, or a refetched message): a finished message
   * replaces what we have; an in-flight one replaces it only if it is further along.
   */
  merge(messages: readonly Message[]): void {
    for (const message of messages) {
      const known = this.byId.get(message.id);
      if (!known || message.status !== 'streaming' || (known.status === 'streaming' && message.seq >= known.seq)) {
        this.byId.set(message.id, message);
      }
    }
  }

  /** Applies one broadcast event of the room. */
  apply(event: string, payload: unknown): MergeOutcome {
    switch (event) {
      case 'message':
      case 'message-end': {
        const { message } = payload as RoomEvents['message'];
        this.byId.set(message.id, message);
        return { kind: 'applied' };
      }
      case 'message-start': {
        const start = payload as RoomEvents['message-start'];
        if (this.byId.has(start.id)) return { kind: 'ignored' };
        this.byId.set(start.id, {
          id: start.id,
          roomId: start.roomId,
          author: start.author,
          content: '',
          parts: [],
          status: 'streaming',
          seq: 0,
          replyTo: start.replyTo,
          reason: start.reason,
          model: start.model,
          usage: null,
          error: null,
          createdAt: start.createdAt,
          updatedAt: start.createdAt,
        });
        return { kind: 'applied' };
      }
      default: {
        if (!SEQUENCED.has(event)) return { kind: 'ignored' };
        const delta = payload as RoomEvents[SequencedEventName];
        const known = this.byId.get(delta.id);
        if (!known) return { kind: 'gap', messageId: delta.id };
        if (known.status !== 'streaming' || delta.seq <= known.seq) return { kind: 'ignored' };
        if (delta.seq > known.seq + 1) return { kind: 'gap', messageId: delta.id };
        this.byId.set(delta.id, { ...known, ...applyReplyEvent(known, event as SequencedEventName, delta) });
        return { kind: 'applied' };
      }
    }
  }
}
