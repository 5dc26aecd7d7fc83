/**
 * Support conversations (docs/architecture.md §8): who answers one (takeover), moderation, and
 * what staff hear on `inbox:<room>`. Every status change is a visible system message and a
 * `conversation-status` event; every activity of a conversation reaches the inbox as
 * `conversation-updated`, at most about once a second per conversation while a reply streams.
 *
 * Why one file: a status change, a moderation act and an inbox update are told the same ways (a
 * system message, a room event, the inbox, the audit log, a webhook), and read best side by side.
 */
import {
  isStaffRole,
  type Conversation,
  type ConversationStatus,
  type HandoffTarget,
  type Message,
  type Role,
  type RoomSettings,
} from '../../protocol/room.ts';
import { AppError } from '../lib/app-error.ts';
import type { Logger } from '../lib/logger.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import type { AuditLog } from '../store/audit-log.ts';
import { NotFoundError } from '../store/not-found-error.ts';
import type { Participant, Room, Rooms } from '../store/rooms.ts';
import type { Transcript } from '../store/transcript.ts';
import type { WebhookOutbox } from '../store/webhook-outbox.ts';

/** A person acting on a room: their participant id, name and role. */
export interface Actor {
  id: string;
  name: string;
  role: Role;
}

export interface ConversationDependencies {
  store: {
    rooms: Pick<
      Rooms,
      | 'getRoom'
      | 'getConversation'
      | 'setConversationStatus'
      | 'touchConversation'
      | 'getParticipant'
      | 'setMute'
    >;
    transcript: Pick<Transcript, 'insertSystemMessage' | 'deleteMessage'>;
    audit: Pick<AuditLog, 'appendEvent'>;
  };
  bus: Pick<RoomBus, 'broadcast' | 'broadcastToInbox'>;
  log: Logger;
  settingsOf(room: Room): RoomSettings;
  /** A streaming message overlaid with the live state this process holds. */
  liveMessage(message: Message): Message;
  /** Stops every reply in the room (an operator took over). */
  stopAll(roomId: string, actor: Actor): Promise<void>;
  /** Where `conversation.status_changed` is queued; null or absent: webhooks are off. */
  webhooks?: Pick<WebhookOutbox, 'enqueueEvent'> | null;
  /** The conversation was closed: its session ends (its summary is written). */
  closed?(room: Room): void;
}

/** A role may not do this (`403 forbidden`). */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super({ name: 'ForbiddenError', code: 'forbidden', status: 403, message });
  }
}

/** The room is not a support conversation, or its status does not allow the change. */
export class ConversationStateError extends AppError {
  constructor(code: 'not_a_conversation' | 'handoff_not_allowed', message: string) {
    super({ name: 'ConversationStateError', code, status: 409, message });
  }
}

/** A muted person tried to post (`403 muted`). */
export class MutedError extends AppError {
  constructor(until: string) {
    super({
      name: 'MutedError',
      code: 'muted',
      status: 403,
      message:
        until === 'forever'
          ? 'You have been muted in this conversation by the team'
          : `You have been muted in this conversation by the team until ${until}`,
    });
  }
}

const PREVIEW_INTERVAL_MS = 1000;

/** The system message each status change posts. */
function statusNotice(status: ConversationStatus, by: Actor, reopened: boolean): string {
  if (reopened) return `${by.name} wrote again: the conversation is open.`;
  switch (status) {
    case 'waiting':
      return `${by.name} asked for a person. Someone from the team will join soon; the assistants are paused.`;
    case 'human':
      return `${by.name} from the team joined; the assistants are paused.`;
    case 'bot':
      return `${by.name} handed the conversation back to the assistants.`;
    case 'closed':
      return `${by.name} closed the conversation.`;
  }
}

export class Conversations {
  /** Conversations with an inbox update due, and when the last one went out. */
  private readonly previews = new Map<string, { timer?: NodeJS.Timeout; sentAt: number }>();
  private closed = false;

  constructor(private readonly deps: ConversationDependencies) {}

  /**
   * `POST /api/rooms/:room/handoff`: a visitor asks for a person (→ `waiting`); staff take over
   * (→ `human`, replies in flight stopped), hand back (→ `bot`) or close. Asking again for what
   * already is changes nothing.
   */
  async handoff(room: Room, to: HandoffTarget, actor: Actor): Promise<ConversationStatus> {
    const current = this.conversationStatus(room);
    const staff = isStaffRole(actor.role);
    let next: ConversationStatus;
    if (to === 'human' && !staff) {
      if (!this.deps.settingsOf(room).handoff)
        throw new ConversationStateError(
          'handoff_not_allowed',
          'This room does not offer a person to talk to',
        );
      if (current === 'closed')
        throw new ConversationStateError(
          'handoff_not_allowed',
          'This conversation is closed; write a message to open it again',
        );
      next = current === 'human' ? 'human' : 'waiting';
    } else if (!staff) {
      throw new ForbiddenError('Only the team may hand a conversation back or close it');
    } else {
      next = to === 'human' ? 'human' : to === 'agents' ? 'bot' : 'closed';
    }
    if (next === current) return current;
    if (next === 'human') await this.deps.stopAll(room.id, actor);
    await this.setStatus(room, next, actor, false);
    return next;
  }

  /** A visitor wrote in a closed conversation: it opens again for the agents. */
  async reopen(room: Room, actor: Actor): Promise<void> {
    if (room.status === 'closed') await this.setStatus(room, 'bot', actor, true);
  }

  /** Refuses a post from a muted participant; a mute that ran out is no mute. */
  async assertMayPost(room: Room, participantId: string, now = Date.now()): Promise<void> {
    const participant = await this.deps.store.rooms.getParticipant(room.id, participantId);
    const until = participant?.mutedUntil ?? null;
    if (until === null) return;
    if (until === 'forever' || Date.parse(until) > now) throw new MutedError(until);
  }

  /** Moderation: the message keeps its place, content removed, `message-deleted` to the room. */
  async deleteMessage(room: Room, messageId: string, actor: Actor): Promise<Message> {
    this.assertStaff(actor, 'delete messages');
    const deleted = await this.deps.store.transcript.deleteMessage(room.id, messageId);
    if (!deleted) throw new NotFoundError(`Message ${messageId}`);
    await this.deps.store.audit.appendEvent({
      roomId: room.id,
      kind: 'message.deleted',
      actor: actor.id,
      data: { messageId },
    });
    await this.broadcast(room.id, 'message-deleted', { id: messageId });
    this.activity(room);
    return deleted;
  }

  /** Moderation: a muted participant cannot post until `minutes` pass or staff lift it. */
  async mute(
    room: Room,
    participantId: string,
    input: { muted: boolean; minutes?: number },
    actor: Actor,
    now = Date.now(),
  ): Promise<Participant> {
    this.assertStaff(actor, 'mute people');
    const target = await this.deps.store.rooms.getParticipant(room.id, participantId);
    if (!target || target.kind !== 'human')
      throw new NotFoundError(`Participant ${participantId} of room ${room.id}`);
    if (isStaffRole(target.role)) throw new ForbiddenError('Members of the team cannot be muted');
    const until =
      input.muted && input.minutes !== undefined ? new Date(now + input.minutes * 60_000) : null;
    const muted = await this.deps.store.rooms.setMute({
      roomId: room.id,
      participantId,
      muted: input.muted,
      until,
    });
    await this.deps.store.audit.appendEvent({
      roomId: room.id,
      kind: input.muted ? 'participant.muted' : 'participant.unmuted',
      actor: actor.id,
      data: { participantId, until: until?.toISOString() ?? null },
    });
    await this.broadcast(room.id, 'participant-muted', {
      participantId,
      muted: input.muted,
      until: muted.mutedUntil === 'forever' ? null : muted.mutedUntil,
    });
    return muted;
  }

  /**
   * Something happened in a conversation (a message, a reply streaming): it moves up the inbox and
   * staff get its new state, at most once per {@link PREVIEW_INTERVAL_MS} (the last one always).
   */
  activity(room: Room): void {
    if (room.parentId === null || this.closed) return;
    const entry = this.previews.get(room.id) ?? { sentAt: 0 };
    this.previews.set(room.id, entry);
    if (entry.timer) return;
    const wait = Math.max(0, entry.sentAt + PREVIEW_INTERVAL_MS - Date.now());
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      entry.sentAt = Date.now();
      this.publish(room.id).catch((error: unknown) =>
        this.deps.log('warn', 'conversations.publish_failed', { roomId: room.id, error }),
      );
    }, wait);
  }

  /** Sends the conversation's current state to its support room's staff. */
  async publish(roomId: string): Promise<Conversation | null> {
    const conversation = await this.deps.store.rooms.getConversation(roomId);
    if (!conversation) return null;
    const lastMessage =
      conversation.lastMessage?.status === 'streaming'
        ? this.deps.liveMessage(conversation.lastMessage)
        : conversation.lastMessage;
    const live = { ...conversation, lastMessage };
    await this.deps.bus.broadcastToInbox(conversation.parent, 'conversation-updated', {
      conversation: live,
    });
    return live;
  }

  /** Stops the inbox updates still scheduled. */
  close(): void {
    this.closed = true;
    for (const entry of this.previews.values()) clearTimeout(entry.timer);
    this.previews.clear();
  }

  private conversationStatus(room: Room): ConversationStatus {
    if (room.parentId === null || room.status === null)
      throw new ConversationStateError(
        'not_a_conversation',
        `Room ${room.id} is not a support conversation`,
      );
    return room.status;
  }

  private assertStaff(actor: Actor, what: string): void {
    if (!isStaffRole(actor.role)) throw new ForbiddenError(`Only the team may ${what}`);
  }

  private async setStatus(
    room: Room,
    status: ConversationStatus,
    actor: Actor,
    reopened: boolean,
  ): Promise<void> {
    const previous = this.conversationStatus(room);
    await this.deps.store.rooms.setConversationStatus(room.id, status);
    room.status = status;
    const by = { id: actor.id, name: actor.name, role: actor.role };
    await this.statusChanged(room, { status, previous, by });
    await this.deps.store.audit.appendEvent({
      roomId: room.id,
      kind: 'conversation.status',
      actor: actor.id,
      data: { status },
    });
    const message = await this.deps.store.transcript.insertSystemMessage({
      roomId: room.id,
      content: statusNotice(status, actor, reopened),
    });
    await this.broadcast(room.id, 'message', { message });
    await this.broadcast(room.id, 'conversation-status', { status, by });
    if (status === 'closed') this.deps.closed?.(room);
    await this.publish(room.id).catch((error: unknown) =>
      this.deps.log('warn', 'conversations.publish_failed', { roomId: room.id, error }),
    );
  }

  /** Queues `conversation.status_changed`, right after the change (docs/decisions.md, "Webhooks"). */
  private async statusChanged(
    room: Room,
    change: { status: ConversationStatus; previous: ConversationStatus; by: Actor },
  ): Promise<void> {
    await this.deps.webhooks
      ?.enqueueEvent({
        type: 'conversation.status_changed',
        roomId: room.id,
        data: { conversation: room.id, parent: room.parentId, ...change },
      })
      .catch((error: unknown) =>
        this.deps.log('error', 'webhook.enqueue_failed', {
          type: 'conversation.status_changed',
          roomId: room.id,
          error,
        }),
      );
  }

  private async broadcast(roomId: string, event: string, payload: object): Promise<void> {
    await this.deps.bus
      .broadcast(roomId, event, payload as Record<string, unknown>)
      .catch((error: unknown) =>
        this.deps.log('warn', 'conversations.broadcast_failed', { roomId, event, error }),
      );
  }
}
