/**
 * A room's transcript: human posts, system notices, agent replies as they stream, pages and search
 * (docs/architecture.md §4). `postgres-transcript.ts` implements it.
 */
import type {
  Author,
  Message,
  MessagePart,
  MessageStatus,
  ReplyReason,
  TokenUsage,
} from '../../protocol/room.ts';
import { AppError } from '../lib/app-error.ts';
import type { UnitOfWork } from './unit-of-work.ts';

export interface MessagePage {
  /** Oldest first. */
  messages: Message[];
  /** Pass as `before` to get the page of older messages; null when there are none. */
  nextCursor: string | null;
}

/** What a reply looks like so far: written at checkpoints and at the end. */
export interface ReplySnapshot {
  content: string;
  parts: MessagePart[];
  seq: number;
}

/** A reply's snapshot to write, by message id. */
export interface ReplyCheckpoint {
  id: string;
  snapshot: ReplySnapshot;
}

/** The one final write of a reply. */
export type ReplyEnding = ReplySnapshot & {
  status: Exclude<MessageStatus, 'streaming'>;
  usage?: TokenUsage | null;
  error?: string | null;
  stoppedBy?: { id: string; name: string } | null;
};

/** Thrown when a client reuses a message id for different content. */
export class MessageConflictError extends AppError {
  constructor(id: string) {
    super({
      name: 'MessageConflictError',
      code: 'message_conflict',
      status: 409,
      message: `Message ${id} was already posted with other content`,
    });
  }
}

/** Thrown when a reply is changed while it still streams (stop it first). */
export class MessageStreamingError extends AppError {
  constructor(id: string) {
    super({
      name: 'MessageStreamingError',
      code: 'message_streaming',
      status: 409,
      message: `Message ${id} is still streaming: stop it first`,
    });
  }
}

/** An agent's reply as it starts streaming (its id is the run's `messageId`). */
export interface NewAgentMessage {
  id: string;
  roomId: string;
  author: Author;
  replyTo: string | null;
  reason: ReplyReason;
  model: string | null;
}

export interface Transcript {
  /**
   * Inserts a human message, in the caller's `unit` when given (its runs go in the same one).
   * Idempotent: the same id with the same content returns the stored message (`created: false`);
   * the same id with other content throws {@link MessageConflictError}.
   */
  insertHumanMessage(
    input: { id: string; roomId: string; author: Author; content: string },
    unit?: UnitOfWork,
  ): Promise<{ message: Message; created: boolean }>;
  insertSystemMessage(input: {
    roomId: string;
    content: string;
    replyTo?: string | null;
    id?: string;
  }): Promise<Message>;
  getMessage(id: string): Promise<Message | null>;
  /**
   * Moderation: the message keeps its place, its content and parts are removed and its status is
   * `deleted`. Null when the room has no such message; a reply still streaming throws
   * {@link MessageStreamingError}.
   */
  deleteMessage(roomId: string, id: string): Promise<Message | null>;
  /** A page of a room's transcript, newest page first; in-flight replies included. */
  listMessages(
    roomId: string,
    options?: { before?: string | null; limit?: number },
  ): Promise<MessagePage>;
  /** The last `limit` messages of a room, oldest first (an agent's context). */
  recentMessages(roomId: string, limit: number): Promise<Message[]>;
  /** Full-text search within one room, best matches first. */
  searchMessages(roomId: string, query: string, limit?: number): Promise<Message[]>;
  /**
   * Inserts the reply at `message-start` with status `streaming`. A `regenerate` reply gets
   * `versionOf`: the agent's first reply to the same message (docs/architecture.md §3, versions).
   */
  startAgentMessage(input: NewAgentMessage): Promise<Message>;
  /** Starts several agents' replies in one statement (replies starting together), in their order. */
  startAgentMessages(inputs: readonly NewAgentMessage[]): Promise<Message[]>;
  /** Writes the reply so far (at most about once a second while streaming). */
  checkpointAgentMessage(id: string, snapshot: ReplySnapshot): Promise<void>;
  /** Writes several replies so far in one statement (a process's replies in flight, each interval); a reply no longer streaming is left as it is. */
  checkpointAgentMessages(checkpoints: readonly ReplyCheckpoint[]): Promise<void>;
  /** The one final write: content, parts, status, usage, error; a reply finalised elsewhere is returned as it is. */
  finishAgentMessage(id: string, final: ReplyEnding): Promise<Message>;
  /** Finalises several replies in one statement (replies ending together), in their order. */
  finishAgentMessages(endings: readonly { id: string; final: ReplyEnding }[]): Promise<Message[]>;
}
