/**
 * The Store: everything the orchestrator and the HTTP API persist, as one interface
 * (docs/architecture.md §4). `postgres-store.ts` implements it over PGlite or node-postgres.
 */
import type { Author, Message, MessagePart, MessageStatus, ReplyReason, TokenUsage } from '../../protocol/room.ts';
import { AppError } from '../lib/app-error.ts';

export interface Room {
  id: string;
  title: string;
  /** Speaker policy, agents, guest access, budgets: validated by the orchestrator. */
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export const RUN_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One agent reply to produce: a row of the durable work queue. */
export interface AgentRun {
  id: string;
  roomId: string;
  /** The id the reply will have; minted at enqueue time and never changed. */
  messageId: string;
  /** The human message that opened the round. */
  triggerMessageId: string;
  agentId: string;
  reason: ReplyReason;
  /** Agent-to-agent turns before this one in the round (0 for a reply to a human). */
  depth: number;
  /** Who wrote the message that opened the round (known on claimed runs). */
  triggerAuthorId?: string;
  status: RunStatus;
  attempt: number;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  lastError: string | null;
  createdAt: string;
}

export interface NewRun {
  agentId: string;
  reason: ReplyReason;
  depth?: number;
  /** Defaults to a fresh UUID. */
  messageId?: string;
}

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

export interface RoomEvent {
  id: number;
  roomId: string;
  kind: string;
  actor: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

/** A stretch of a room's activity and the summary written when the room went quiet. */
export interface RoomSession {
  id: string;
  roomId: string;
  /** The first summarized message's time. */
  startedAt: string;
  /** The last summarized message's time: the next session starts after it. */
  endedAt: string;
  summary: string;
}

/**
 * A run whose lease expired. Its message ends `interrupted` with its last checkpoint kept; a run
 * that died before its message was started is queued again (`requeued`), and after
 * {@link MAX_RUN_ATTEMPTS} attempts is given an `interrupted` message saying so.
 */
export interface RecoveredRun {
  run: AgentRun;
  /** The finalised message, or null when the run was queued again. */
  message: Message | null;
  requeued: boolean;
}

/** Claims of one run before recovery stops queueing it again. */
export const MAX_RUN_ATTEMPTS = 3;

/**
 * The outcome of reserving tokens for a run: `reserved`; `wait` (the budget cannot fit it now,
 * but runs in flight hold reservations that may come back); `exhausted` (nothing in flight, and
 * it still does not fit: the room has used its budget for today).
 */
export type TokenReservation = 'reserved' | 'wait' | 'exhausted';

/** A room's token budget for one day: what was spent and what runs in flight hold. */
export interface TokenBudgetState {
  used: number;
  reserved: number;
}

/** Thrown when a client reuses a message id for different content. */
export class MessageConflictError extends AppError {
  constructor(id: string) {
    super({ name: 'MessageConflictError', code: 'message_conflict', status: 409, message: `Message ${id} was already posted with other content` });
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super({ name: 'NotFoundError', code: 'not_found', status: 404, message: `${what} was not found` });
  }
}

/** The NOTIFY channel that wakes orchestrators when runs are queued (payload: the room id). */
export const RUNS_CHANNEL = 'chorus_runs';
/** The NOTIFY channel of stop requests (payload: a JSON {@link StopRequest}). */
export const STOPS_CHANNEL = 'chorus_stops';

/** Which replies to stop in a room: one message, one agent's, or all. */
export type StopRequest = StopScope & {
  /** Who asked, shown on the stopped replies. */
  by?: { id: string; name: string };
  /** Only replies to this participant's messages (a guest stops their own replies only). */
  repliesTo?: string;
};
export type StopScope = { roomId: string } & ({ messageId: string } | { agentId: string } | { all: true });

export interface Store {
  // Rooms
  getRoom(id: string): Promise<Room | null>;
  /** Creates the room when missing; never changes an existing one. */
  ensureRoom(input: { id: string; title: string; settings?: Record<string, unknown> }): Promise<Room>;
  /** Merges `patch` into the room's settings (top-level keys). */
  updateRoomSettings(id: string, patch: Record<string, unknown>): Promise<Room>;
  upsertParticipant(input: { roomId: string; id: string; kind: 'human' | 'agent'; name: string }): Promise<void>;

  // Messages
  /**
   * Inserts a human message and its runs in one transaction and NOTIFYs. Idempotent: the same
   * id with the same content returns the stored message (`created: false`, no new runs); the same
   * id with other content throws {@link MessageConflictError}.
   */
  postHumanMessage(input: { id: string; roomId: string; author: Author; content: string; runs: NewRun[] }): Promise<{
    message: Message;
    created: boolean;
    runs: AgentRun[];
  }>;
  insertSystemMessage(input: { roomId: string; content: string; replyTo?: string | null; id?: string }): Promise<Message>;
  getMessage(id: string): Promise<Message | null>;
  /** A page of a room's transcript, newest page first; in-flight replies included. */
  listMessages(roomId: string, options?: { before?: string | null; limit?: number }): Promise<MessagePage>;
  /** The last `limit` messages of a room, oldest first (an agent's context). */
  recentMessages(roomId: string, limit: number): Promise<Message[]>;
  /** Full-text search within one room, best matches first. */
  searchMessages(roomId: string, query: string, limit?: number): Promise<Message[]>;

  // Agent replies
  /** Inserts the reply at `message-start` with status `streaming`. */
  startAgentMessage(input: {
    id: string;
    roomId: string;
    author: Author;
    replyTo: string | null;
    reason: ReplyReason;
    model: string | null;
  }): Promise<Message>;
  /** Writes the reply so far (at most about once a second while streaming). */
  checkpointAgentMessage(id: string, snapshot: ReplySnapshot): Promise<void>;
  /** The one final write: content, parts, status, usage, error. */
  finishAgentMessage(
    id: string,
    final: ReplySnapshot & {
      status: Exclude<MessageStatus, 'streaming'>;
      usage?: TokenUsage | null;
      error?: string | null;
      stoppedBy?: { id: string; name: string } | null;
    },
  ): Promise<Message>;

  // Runs
  /** Queues runs outside a human post (handoffs, regenerate) and NOTIFYs. */
  enqueueRuns(input: { roomId: string; triggerMessageId: string; runs: NewRun[] }): Promise<AgentRun[]>;
  /**
   * Claims up to `limit` queued runs for `owner` with a lease; never twice. Fair across rooms and
   * processes (docs/decisions.md, "Fairness"): rooms with fewer runs in flight go first, oldest
   * first within a room, and no room gets more than `maxPerRoom` running at once; `skipRooms` are
   * left alone (their budget is waiting for reservations to settle).
   */
  claimRuns(input: { owner: string; leaseMs: number; limit?: number; roomId?: string; maxPerRoom?: number; skipRooms?: readonly string[] }): Promise<AgentRun[]>;
  /** Puts a claimed run that did not start back in the queue; false when it is no longer `owner`'s. */
  requeueRun(runId: string, owner: string): Promise<boolean>;
  /** Extends a lease; false when the run is no longer `owner`'s (expired and recovered). */
  renewLease(runId: string, owner: string, leaseMs: number): Promise<boolean>;
  finishRun(runId: string, owner: string, status: Exclude<RunStatus, 'queued' | 'running'>, error?: string | null): Promise<boolean>;
  /** The runs of one round (every run triggered by one human message), oldest first. */
  listRuns(triggerMessageId: string): Promise<AgentRun[]>;
  /** Cancels queued runs (a stop before they started), optionally only those opened by `repliesTo`'s messages; returns them. */
  cancelQueuedRuns(input: { roomId: string; agentId?: string; messageId?: string; repliesTo?: string }): Promise<AgentRun[]>;
  /**
   * Finishes runs whose lease expired (see {@link RecoveredRun}), releasing what they reserved;
   * recorded in the audit log. `agentName` names the agent of an `interrupted` message it writes.
   */
  recoverExpiredRuns(options?: { agentName?(agentId: string): string }): Promise<RecoveredRun[]>;
  /** Calls `onQueued(roomId)` whenever runs are queued by any process. */
  onRunsQueued(onQueued: (roomId: string) => void): Promise<() => Promise<void>>;
  /** Tells every process to stop matching replies it streams (a stop may reach any instance). */
  publishStop(request: StopRequest): Promise<void>;
  onStop(onStopRequest: (request: StopRequest) => void): Promise<() => Promise<void>>;

  // Session summaries (memory)
  /**
   * The room's messages since the end of its latest session (all of them when it has none): the
   * newest `limit`, oldest first, in-flight replies included.
   */
  unsummarizedMessages(roomId: string, limit: number): Promise<Message[]>;
  /**
   * Writes a session of `messageIds` (messages of `roomId`; others are ignored): it starts at the
   * first one's time and ends at the last one's. Once only: null when that session of the room
   * was already written (by this process or another), or when none of the messages is the room's.
   */
  addSession(input: { roomId: string; messageIds: readonly string[]; summary: string }): Promise<RoomSession | null>;
  /** The room's most recent session, or null: never another room's. */
  latestSession(roomId: string): Promise<RoomSession | null>;

  // Budgets and audit
  addTokenUsage(roomId: string, usage: TokenUsage, day?: string): Promise<void>;
  getTokenUsage(roomId: string, day?: string): Promise<TokenUsage>;
  /** Today's spent and reserved tokens of a room. */
  getTokenBudget(roomId: string, day?: string): Promise<TokenBudgetState>;
  /**
   * Reserves `tokens` of the room's `budget` for a running run, atomically across processes: it
   * fits when spent + reserved + `tokens` <= `budget`. A run may reserve again (a further model call).
   */
  reserveTokens(input: { roomId: string; runId: string; tokens: number; budget: number; day?: string }): Promise<TokenReservation>;
  /** Ends a run's reservation: its real usage is counted, what it reserved released; wakes waiting rooms. */
  settleTokens(input: { roomId: string; runId: string; usage: TokenUsage }): Promise<void>;
  /** True for the first caller only, per room and day: that caller posts the "budget used" notice. */
  claimBudgetNotice(roomId: string, day?: string): Promise<boolean>;
  appendEvent(input: { roomId: string; kind: string; actor?: string | null; data?: Record<string, unknown> }): Promise<void>;
  listEvents(roomId: string, options?: { afterId?: number; limit?: number }): Promise<RoomEvent[]>;

  close(): Promise<void>;
}
