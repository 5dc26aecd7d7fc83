import type { Message } from '../../../protocol/room.ts';
import type { Transcript } from '../../store/transcript.ts';
import { EventCursor } from './event-cursor.ts';

/** What the replay reads: the transcript, and the live state of replies this process streams. */
export interface ReplayDependencies {
  transcript: Pick<Transcript, 'listMessages' | 'getMessage'>;
  liveMessage(message: Message): Message;
}

/** An event the replay sends, as the live stream would have. */
export interface ReplayedEvent {
  /** The stream's position once the client has this event. */
  id: string;
  event: 'message' | 'message-start' | 'text-delta' | 'message-end';
  data: Record<string, unknown>;
}

const PAGE = 200;
/** What a fresh stream reads to find its position and the replies in flight (older ones are rare). */
const FRESH_PAGE = 50;
/** A stream resumed further back than this many messages replays the newest ones (REST has the rest). */
const MAX_REPLAY_PAGES = 5;

/**
 * The cursor of a stream opened without `Last-Event-ID`: from now on. The client loads what came
 * before by REST (docs/architecture.md §3, Catch-up); replies already streaming count as known
 * up to their live state, so a resume continues them.
 */
export async function freshCursor(deps: ReplayDependencies, roomId: string): Promise<EventCursor> {
  const { messages } = await deps.transcript.listMessages(roomId, { limit: FRESH_PAGE });
  const cursor = new EventCursor(messages.at(-1)?.position ?? 0);
  for (const message of messages) {
    if (message.status === 'streaming') cursor.streamingAtStart(deps.liveMessage(message));
  }
  return cursor;
}

/**
 * What a stream resumed at `cursor` missed, from the persisted state: messages past its position
 * (`message` for people's and system messages, `message-end` for finished replies, `message-start`
 * and the text so far for replies in flight), and for each reply it was following the text since
 * its length there, as one `text-delta` numbered with the reply's current `seq`, then `message-end`
 * if the reply finished. Advances `cursor` past everything sent, so buffered broadcasts the replay
 * covered are dropped. Reasoning and tool parts since the cursor arrive with `message-end` only.
 * Answers `'other_room'` when the cursor names a message that is not the room's.
 */
export async function replay(
  deps: ReplayDependencies,
  roomId: string,
  cursor: EventCursor,
): Promise<ReplayedEvent[] | 'other_room'> {
  const recent: Message[] = [];
  let before: string | null = null;
  for (let page = 0; page < MAX_REPLAY_PAGES; page += 1) {
    const { messages, nextCursor } = await deps.transcript.listMessages(roomId, {
      before,
      limit: PAGE,
    });
    recent.unshift(...messages);
    if (!nextCursor || (messages[0]?.position ?? 0) <= cursor.position) break;
    before = nextCursor;
  }
  const byId = new Map(recent.map((message) => [message.id, message]));
  const followed: Message[] = [];
  for (const id of cursor.replies.keys()) {
    const message = byId.get(id) ?? (await deps.transcript.getMessage(id));
    if (message?.roomId !== roomId) return 'other_room';
    followed.push(message);
  }
  const unseen = recent.filter(
    (message) =>
      !cursor.replies.has(message.id) &&
      // past the position, or a reply whose start the client missed (broadcasts of messages
      // written at once may arrive out of order)
      ((message.position ?? 0) > cursor.position || message.status === 'streaming'),
  );
  const ordered = [...followed, ...unseen].sort(
    (first, second) => (first.position ?? 0) - (second.position ?? 0),
  );

  const events: ReplayedEvent[] = [];
  const push = (event: ReplayedEvent['event'], data: Record<string, unknown>) =>
    events.push({ id: cursor.format(roomId), event, data });
  for (const stored of ordered) {
    const message = await current(deps, stored);
    const progress = cursor.replies.get(message.id);
    const finished = message.status !== 'streaming';
    if (progress) {
      const { length } = progress;
      if (message.seq > progress.seq) {
        cursor.replayedLive(
          message.id,
          message.seq,
          length === null ? null : message.content.length,
        );
        if (length !== null && message.content.length > length) {
          const delta = message.content.slice(length);
          push('text-delta', { id: message.id, seq: message.seq, delta });
        }
      }
      if (finished) {
        cursor.replayedFinal(message);
        push('message-end', { message });
      }
    } else if (message.author.kind !== 'agent') {
      cursor.replayedFinal(message);
      push('message', { message });
    } else if (finished) {
      cursor.replayedFinal(message);
      push('message-end', { message });
    } else {
      cursor.replayedLive(message.id, 0, 0, message.position);
      push('message-start', startOf(message));
      cursor.replayedLive(message.id, message.seq, message.content.length);
      if (message.content !== '') {
        push('text-delta', { id: message.id, seq: message.seq, delta: message.content });
      }
    }
  }
  return events;
}

/** A message as it is now: a streaming reply with its live state, or final if it just finished. */
async function current(deps: ReplayDependencies, message: Message): Promise<Message> {
  if (message.status !== 'streaming') return message;
  const live = deps.liveMessage(message);
  if (live !== message) return live;
  // No live state here: the reply streams in another process, or it finished since the read.
  const again = await deps.transcript.getMessage(message.id);
  return again && again.status !== 'streaming' ? again : message;
}

/** The `message-start` payload of a reply, as the orchestrator sends it. */
function startOf(message: Message): Record<string, unknown> {
  return {
    id: message.id,
    roomId: message.roomId,
    ...(message.position === undefined ? {} : { position: message.position }),
    author: message.author,
    replyTo: message.replyTo,
    reason: message.reason ?? 'default',
    model: message.model,
    createdAt: message.createdAt,
  };
}
