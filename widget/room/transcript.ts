import { applyReplyEvent } from '../../protocol/reply-snapshot.ts';
import type { Message, RoomEvents, SequencedEventName } from '../../protocol/room.ts';

const SEQUENCED: ReadonlySet<string> = new Set([
  'text-delta',
  'reasoning-delta',
  'tool-call',
  'tool-result',
  'source',
]);

/** Deltas held per message while an earlier one is missing; beyond this we rely on the refetch. */
const MAX_HELD_PER_MESSAGE = 256;

/** What applying an event asks of the caller: nothing, or refetching a message whose events have a gap. */
export type MergeOutcome =
  { kind: 'applied' } | { kind: 'ignored' } | { kind: 'gap'; messageId: string };

type SequencedPayload = RoomEvents[SequencedEventName];
interface HeldEvent {
  event: SequencedEventName;
  payload: SequencedPayload;
}

/**
 * A room's transcript as a client holds it, merged from a REST snapshot and live events by
 * (id, seq) (docs/architecture.md §3, catch-up): duplicates (`seq` at or below the known one) are
 * dropped, a gap (`seq` beyond the next) asks for a refetch, `message-end` and snapshots of
 * finished messages always win (though an `interrupted` one never shortens the text shown).
 * Whatever order things arrive in, a client that refetches on gaps converges on the persisted
 * transcript.
 *
 * Events that arrive ahead of a missing one (or before their `message-start`) are also held and
 * applied as soon as the missing piece comes, by event or by snapshot, so reordering alone
 * never needs a round trip; a gap is still reported, because the missing event may be lost.
 *
 * @example
 * const transcript = new Transcript();
 * transcript.merge(page.messages);
 * const outcome = transcript.apply('text-delta', { id, seq: 4, delta: 'lo' });
 * if (outcome.kind === 'gap') transcript.merge(await refetch(outcome.messageId));
 */
export class Transcript {
  readonly #byId = new Map<string, Message>();
  readonly #held = new Map<string, Map<number, HeldEvent>>();
  #sorted: Message[] | undefined;

  /** Messages oldest first. */
  list(): Message[] {
    this.#sorted ??= [...this.#byId.values()].sort(byTranscriptOrder);
    return [...this.#sorted];
  }

  get(id: string): Message | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }

  /**
   * Merges messages from the REST API (a page, or a refetched message): a finished message
   * replaces what we have; an in-flight one replaces it only if it is further along. Held
   * events that now follow on are applied.
   */
  merge(messages: readonly Message[]): void {
    for (const message of messages) {
      const known = this.#byId.get(message.id);
      if (
        !known ||
        message.status !== 'streaming' ||
        (known.status === 'streaming' && message.seq >= known.seq)
      ) {
        this.#set(keepReadText(known, message));
      }
      this.#drain(message.id);
    }
  }

  /** Applies one broadcast event of the room. */
  apply(event: string, payload: unknown): MergeOutcome {
    switch (event) {
      case 'message':
      case 'message-end': {
        const { message } = payload as RoomEvents['message'];
        this.#set(keepReadText(this.#byId.get(message.id), message));
        this.#held.delete(message.id);
        return { kind: 'applied' };
      }
      case 'message-start': {
        const start = payload as RoomEvents['message-start'];
        if (this.#byId.has(start.id)) return { kind: 'ignored' };
        this.#set({
          id: start.id,
          roomId: start.roomId,
          author: start.author,
          content: '',
          parts: [],
          status: 'streaming',
          seq: 0,
          replyTo: start.replyTo,
          reason: start.reason,
          model: start.model ?? null,
          ...(start.versionOf ? { versionOf: start.versionOf } : {}),
          usage: null,
          error: null,
          ...(start.position === undefined ? {} : { position: start.position }),
          createdAt: start.createdAt,
          updatedAt: start.createdAt,
        });
        this.#drain(start.id);
        return { kind: 'applied' };
      }
      case 'message-deleted': {
        // Removed by staff: it keeps its place, without its text (a later snapshot says the same).
        const known = this.#byId.get((payload as RoomEvents['message-deleted']).id);
        if (!known || known.status === 'deleted') return { kind: 'ignored' };
        this.#set({ ...known, status: 'deleted', content: '', parts: [] });
        this.#held.delete(known.id);
        return { kind: 'applied' };
      }
      default: {
        if (!SEQUENCED.has(event)) return { kind: 'ignored' };
        const delta = payload as SequencedPayload;
        const known = this.#byId.get(delta.id);
        if (known && (known.status !== 'streaming' || delta.seq <= known.seq))
          return { kind: 'ignored' };
        if (!known || delta.seq > known.seq + 1) {
          this.#hold(event as SequencedEventName, delta);
          return { kind: 'gap', messageId: delta.id };
        }
        this.#set({ ...known, ...applyReplyEvent(known, event as SequencedEventName, delta) });
        this.#drain(delta.id);
        return { kind: 'applied' };
      }
    }
  }

  /** Ids of messages with events held back because an earlier one is missing. */
  waiting(): string[] {
    return [...this.#held.keys()];
  }

  #set(message: Message): void {
    this.#byId.set(message.id, message);
    this.#sorted = undefined;
  }

  #hold(event: SequencedEventName, payload: SequencedPayload): void {
    let events = this.#held.get(payload.id);
    if (!events) this.#held.set(payload.id, (events = new Map()));
    if (events.size < MAX_HELD_PER_MESSAGE) events.set(payload.seq, { event, payload });
  }

  /** Applies held events of a message that now follow on from its known seq; drops stale ones. */
  #drain(id: string): void {
    const events = this.#held.get(id);
    const known = this.#byId.get(id);
    if (!events || !known) return;
    if (known.status !== 'streaming') {
      this.#held.delete(id);
      return;
    }
    let current = known;
    for (;;) {
      const next = events.get(current.seq + 1);
      if (!next) break;
      events.delete(current.seq + 1);
      current = { ...current, ...applyReplyEvent(current, next.event, next.payload) };
    }
    for (const seq of events.keys()) if (seq <= current.seq) events.delete(seq);
    if (events.size === 0) this.#held.delete(id);
    if (current !== known) this.#set(current);
  }
}

/**
 * The message to hold for `message`, given the one `known` so far: `message` itself, except that
 * an `interrupted` reply whose text is a strict prefix of the text already shown keeps the text
 * shown; and a message removed by staff stays removed. A reply recovered after a crash ends with its last checkpoint, up to ~1 s behind what
 * was broadcast; what a visitor has read never shrinks (docs/decisions.md, Widget).
 */
function keepReadText(known: Message | undefined, message: Message): Message {
  if (known?.status === 'deleted') return known; // removed for good: an older snapshot does not bring it back
  const shown = known?.content ?? '';
  return message.status === 'interrupted' &&
    shown.length > message.content.length &&
    shown.startsWith(message.content)
    ? { ...message, content: shown }
    : message;
}

/**
 * The server's order: by `position` when both messages have one (equal timestamps are common in
 * a busy room), else by creation time; a client's own unsent message has no position yet.
 */
function byTranscriptOrder(a: Message, b: Message): number {
  if (a.position !== undefined && b.position !== undefined) return a.position - b.position;
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}
