import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Message } from '../../../protocol/room.ts';
import { eventsQuerySchema } from '../../../protocol/schemas/rest.ts';

/** A reply in flight as far as one stream has delivered it: its last `seq` and its text length. */
export interface ReplyProgress {
  seq: number;
  /** Characters (UTF-16 units) of text delivered; null when the stream joined the reply midway. */
  length: number | null;
  /**
   * Whether an event at or below `seq` is a duplicate. False for a reply that was already streaming
   * when a fresh stream opened: its earlier deltas still go out (the client may lack them).
   */
  strict: boolean;
}

/** The events operation's query: the token, and the id to resume after for clients that cannot set `Last-Event-ID`. */
export const eventsStreamQuerySchema = eventsQuerySchema.extend({
  lastEventId: z
    .string()
    .max(2048, 'must be at most 2048 characters')
    .optional()
    .describe(
      'The `id:` of the last event received, for clients that cannot send the `Last-Event-ID` header (which wins when both are sent): the stream first replays what was missed.',
    ),
});

/** How many in-flight replies an id describes; beyond this the oldest are forgotten. */
export const MAX_REPLIES_IN_ID = 16;

const ID_PATTERN =
  /^v1:([A-Za-z0-9_-]{8}):(\d{1,15})((?::[0-9a-f-]{36}\/\d{1,9}\/(?:\d{1,9}|-))*)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Eight base64url characters of the room id's SHA-256: an id of another room's stream is refused. */
export function roomTag(roomId: string): string {
  return createHash('sha256').update(roomId).digest('base64url').slice(0, 8);
}

/** Why a `Last-Event-ID` is refused. */
export type CursorProblem = 'malformed' | 'other_room';

/**
 * A stream's position in a room, which every event's `id:` carries
 * (`v1:<room tag>:<position>[:<message id>/<seq>/<text length>]…`): the highest transcript position
 * delivered, and for each reply in flight its last `seq` and text length, since several replies
 * stream interleaved and a resumed stream continues each from where it stopped. {@link accept}
 * advances it with each broadcast and says which ones are duplicates.
 */
export class EventCursor {
  /** Messages the replay sent in their final form, by id: their `updatedAt` (ms). */
  private readonly replayed = new Map<string, number>();

  constructor(
    public position: number,
    readonly replies: Map<string, ReplyProgress> = new Map(),
  ) {}

  /** Parses a `Last-Event-ID` given out by this room's stream. */
  static parse(id: string, roomId: string): EventCursor | CursorProblem {
    const match = ID_PATTERN.exec(id);
    if (!match) return 'malformed';
    if (match[1] !== roomTag(roomId)) return 'other_room';
    const replies = new Map<string, ReplyProgress>();
    for (const entry of match[3]!.split(':').slice(1)) {
      const [messageId, seq, length] = entry.split('/') as [string, string, string];
      if (!UUID.test(messageId) || replies.has(messageId)) return 'malformed';
      replies.set(messageId, {
        seq: Number(seq),
        length: length === '-' ? null : Number(length),
        strict: true,
      });
    }
    if (replies.size > MAX_REPLIES_IN_ID) return 'malformed';
    return new EventCursor(Number(match[2]), replies);
  }

  format(roomId: string): string {
    let id = `v1:${roomTag(roomId)}:${this.position}`;
    for (const [messageId, { seq, length }] of this.replies) {
      id += `:${messageId}/${seq}/${length ?? '-'}`;
    }
    return id;
  }

  /** Records a message the replay sent in its final form: later copies of it are duplicates. */
  replayedFinal(message: Message): void {
    this.replies.delete(message.id);
    this.replayed.set(message.id, Date.parse(message.updatedAt));
    this.seePosition(message.position);
  }

  /** Records a reply in flight the replay brought to `seq` and `length`. */
  replayedLive(id: string, seq: number, length: number | null, position?: number): void {
    this.track(id, { seq, length, strict: true });
    this.seePosition(position);
  }

  /** Records a reply already streaming when a fresh stream opened (the client has it by REST). */
  streamingAtStart(message: Message): void {
    if (this.replies.has(message.id)) return;
    this.track(message.id, { seq: message.seq, length: message.content.length, strict: false });
  }

  /** Whether a broadcast goes out (false: the client has it already); advances the position. */
  accept(event: string, payload: unknown): boolean {
    const body = (payload ?? {}) as Record<string, unknown>;
    switch (event) {
      case 'message':
      case 'message-end': {
        const message = body.message as Message | undefined;
        if (!message || typeof message.id !== 'string') return true;
        const replayedAt = this.replayed.get(message.id);
        if (replayedAt !== undefined && Date.parse(message.updatedAt) <= replayedAt) return false;
        if (message.status !== 'streaming') this.replies.delete(message.id);
        this.seePosition(message.position);
        return true;
      }
      case 'message-start': {
        const id = body.id;
        if (typeof id !== 'string') return true;
        if (this.replies.has(id) || this.replayed.has(id)) return false;
        this.track(id, { seq: 0, length: 0, strict: true });
        this.seePosition(typeof body.position === 'number' ? body.position : undefined);
        return true;
      }
      case 'text-delta':
      case 'reasoning-delta':
      case 'tool-call':
      case 'tool-result':
      case 'source': {
        const { id, seq } = body;
        if (typeof id !== 'string' || typeof seq !== 'number') return true;
        if (this.replayed.has(id)) return false; // the replay sent its final form
        const reply = this.replies.get(id);
        if (!reply) {
          this.track(id, { seq, length: null, strict: true });
          return true;
        }
        if (seq <= reply.seq) return !reply.strict;
        reply.seq = seq;
        reply.strict = true;
        if (event === 'text-delta' && reply.length !== null && typeof body.delta === 'string') {
          reply.length += body.delta.length;
        }
        return true;
      }
      default:
        return true;
    }
  }

  private seePosition(position: number | undefined): void {
    if (position !== undefined && position > this.position) this.position = position;
  }

  private track(id: string, progress: ReplyProgress): void {
    this.replies.delete(id);
    this.replies.set(id, progress);
    while (this.replies.size > MAX_REPLIES_IN_ID) {
      this.replies.delete(this.replies.keys().next().value!);
    }
  }
}
