import type { UiMessageChunk } from '../../../protocol/schemas/chat.ts';
import type { Message } from '../../../protocol/room.ts';
import type { RoomEvents } from '../../../protocol/schemas/room-events.ts';

type PartKind = 'text' | 'reasoning';

/** One agent reply of the round: its chunks wait in `pending` until it is the one streaming. */
interface Reply {
  id: string;
  pending: UiMessageChunk[];
  /** The open text or reasoning part and what it has sent, to reconcile with the final message. */
  open: { kind: PartKind; id: string } | null;
  parts: number;
  /** Sources sent so far, to number their ids. */
  sources: number;
  text: string;
  ended: boolean;
  status: Message['status'] | null;
}

/**
 * Turns the room broadcasts of one human post's round into the AI SDK UI message stream
 * (docs/architecture.md §9): one assistant message, each agent reply introduced by a
 * `data-agent` part `{id, name}` and followed by its text, reasoning, tool and source parts. Replies are
 * written one after another in the order they started: a reply that starts while another streams
 * is held back until the first ends, so every `data-agent` part is followed by its own parts.
 * Only the replies to `postId` count (hand-offs reply to the same post).
 */
export class UiMessageStreamEncoder {
  private readonly replies: Reply[] = [];
  private readonly byId = new Map<string, Reply>();
  /** Deltas already applied, per reply (`seq` repeats are ignored, as every client does). */
  private readonly seen = new Map<string, number>();

  /** The post whose round this is; until it is known, broadcasts wait in `early`. */
  private postId: string | null = null;
  private readonly early: Array<[string, unknown]> = [];

  constructor(private readonly write: (chunk: UiMessageChunk) => void) {}

  /** Names the post (known once it is stored) and feeds what arrived before. */
  begin(postId: string): void {
    this.postId = postId;
    for (const [event, payload] of this.early.splice(0)) this.handle(event, payload);
  }

  /** The replies that started and have not ended. */
  get inFlight(): string[] {
    return this.replies.filter((reply) => !reply.ended).map((reply) => reply.id);
  }

  get started(): number {
    return this.replies.length;
  }

  /** Any reply ended `error`. */
  get failed(): boolean {
    return this.replies.some((reply) => reply.status === 'error');
  }

  /** Any reply was stopped or interrupted. */
  get stopped(): boolean {
    return this.replies.some(
      (reply) => reply.status === 'cancelled' || reply.status === 'interrupted',
    );
  }

  /** Feeds one room broadcast; answers whether it belonged to this round. */
  handle(event: string, payload: unknown): boolean {
    if (this.postId === null) {
      this.early.push([event, payload]);
      return false;
    }
    switch (event) {
      case 'message-start': {
        const start = payload as RoomEvents['message-start'];
        if (start.replyTo !== this.postId || this.byId.has(start.id)) return false;
        const reply: Reply = {
          id: start.id,
          pending: [],
          open: null,
          parts: 0,
          sources: 0,
          text: '',
          ended: false,
          status: null,
        };
        this.replies.push(reply);
        this.byId.set(start.id, reply);
        this.push(reply, {
          type: 'data-agent',
          id: start.id,
          data: { id: start.author.id, name: start.author.name },
        });
        return true;
      }
      case 'text-delta':
      case 'reasoning-delta': {
        const delta = payload as RoomEvents['text-delta'];
        const reply = this.fresh(delta.id, delta.seq);
        if (!reply) return false;
        this.delta(reply, event === 'text-delta' ? 'text' : 'reasoning', delta.delta);
        return true;
      }
      case 'tool-call': {
        const call = payload as RoomEvents['tool-call'];
        const reply = this.fresh(call.id, call.seq);
        if (!reply) return false;
        this.close(reply);
        this.push(reply, {
          type: 'tool-input-available',
          toolCallId: call.callId,
          toolName: call.name,
          input: call.args ?? {},
          dynamic: true,
        });
        return true;
      }
      case 'tool-result': {
        const result = payload as RoomEvents['tool-result'];
        const reply = this.fresh(result.id, result.seq);
        if (!reply) return false;
        this.close(reply);
        this.push(
          reply,
          result.error !== undefined
            ? {
                type: 'tool-output-error',
                toolCallId: result.callId,
                errorText: result.error,
                dynamic: true,
              }
            : {
                type: 'tool-output-available',
                toolCallId: result.callId,
                output: result.result ?? null,
                dynamic: true,
              },
        );
        return true;
      }
      case 'source': {
        const source = payload as RoomEvents['source'];
        const reply = this.fresh(source.id, source.seq);
        if (!reply) return false;
        this.close(reply);
        this.push(reply, sourceChunk(`${reply.id}:source:${reply.sources++}`, source));
        return true;
      }
      case 'message-end': {
        const { message } = payload as RoomEvents['message-end'];
        const reply = this.byId.get(message.id);
        if (!reply || reply.ended) return false;
        // A delta this stream missed (a hint lost on the way): send the rest of the stored text.
        if (message.content.startsWith(reply.text) && message.content.length > reply.text.length)
          this.delta(reply, 'text', message.content.slice(reply.text.length));
        this.close(reply);
        reply.ended = true;
        reply.status = message.status;
        this.flush();
        return true;
      }
      default:
        return false;
    }
  }

  /** The reply a sequenced event advances, unless it is another round's or a repeat. */
  private fresh(id: string, seq: number): Reply | undefined {
    const reply = this.byId.get(id);
    if (!reply || reply.ended) return undefined;
    if (seq <= (this.seen.get(id) ?? -Infinity)) return undefined;
    this.seen.set(id, seq);
    return reply;
  }

  private delta(reply: Reply, kind: PartKind, delta: string): void {
    if (delta === '') return;
    if (reply.open?.kind !== kind) {
      this.close(reply);
      reply.open = { kind, id: `${reply.id}:${reply.parts++}` };
      this.push(reply, { type: `${kind}-start`, id: reply.open.id });
    }
    if (kind === 'text') reply.text += delta;
    this.push(reply, { type: `${kind}-delta`, id: reply.open.id, delta });
  }

  private close(reply: Reply): void {
    if (!reply.open) return;
    this.push(reply, { type: `${reply.open.kind}-end`, id: reply.open.id });
    reply.open = null;
  }

  /** Writes the chunk now if its reply is the one streaming, else holds it back. */
  private push(reply: Reply, chunk: UiMessageChunk): void {
    if (this.current() === reply) this.write(chunk);
    else reply.pending.push(chunk);
  }

  /** The first reply that has not ended (it streams live; the ones after it wait). */
  private current(): Reply | undefined {
    return this.replies.find((reply) => !reply.ended);
  }

  /** After a reply ended: write what the next ones held back, in order. */
  private flush(): void {
    for (const reply of this.replies) {
      for (const chunk of reply.pending.splice(0)) this.write(chunk);
      if (!reply.ended) return;
    }
  }
}

/** Media types of the knowledge files (docs/architecture.md §12), for `source-document`. */
const MEDIA_TYPES: Record<string, string> = { html: 'text/html', md: 'text/markdown' };

/**
 * A cited passage as the AI SDK's source chunk: `source-url` when it has a page to link to,
 * `source-document` (the file) when not. The quote and the file, which the SDK's chunks have no
 * field for, travel in `providerMetadata.chorus`.
 */
function sourceChunk(sourceId: string, source: RoomEvents['source']): UiMessageChunk {
  const { title, url, path, quote } = source;
  if (url !== null)
    return {
      type: 'source-url',
      sourceId,
      url,
      title,
      providerMetadata: { chorus: { path, quote } },
    };
  return {
    type: 'source-document',
    sourceId,
    mediaType: MEDIA_TYPES[path.split('.').pop() ?? ''] ?? 'text/plain',
    title,
    filename: path,
    providerMetadata: { chorus: { quote } },
  };
}
