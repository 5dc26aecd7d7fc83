/**
 * The durable work queue of agent replies: leased claims, recovery, and the NOTIFY channels that
 * wake every process (docs/architecture.md §4, docs/decisions.md). `postgres-run-queue.ts` implements it.
 */
import type { Message, ReplyReason, TokenUsage } from '../../protocol/room.ts';
import type { UnitOfWork } from './unit-of-work.ts';

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

/** How a run ended, and what it used (settled against its reservation as it ends). */
export interface RunEnding {
  runId: string;
  status: Exclude<RunStatus, 'queued' | 'running'>;
  error?: string | null;
  usage: TokenUsage;
}

/** Claims of one run before recovery stops queueing it again. */
export const MAX_RUN_ATTEMPTS = 3;

/**
 * The NOTIFY channel that wakes orchestrators: when runs are queued (payload: the room id), or
 * when a room's reservation came back (payload: {@link BUDGET_RETURNED} and the room id).
 */
export const RUNS_CHANNEL = 'chorus_runs';
export const BUDGET_RETURNED = 'budget:';
/** The NOTIFY channel of stop requests (payload: a JSON {@link StopRequest}). */
export const STOPS_CHANNEL = 'chorus_stops';

/** Which replies to stop in a room: one message, one agent's, or all. */
export type StopRequest = StopScope & {
  /** Who asked, shown on the stopped replies. */
  by?: { id: string; name: string };
  /** Only replies to this participant's messages (a guest stops their own replies only). */
  repliesTo?: string;
};
export type StopScope = { roomId: string } & (
  { messageId: string } | { agentId: string } | { all: true }
);

export interface RunQueue {
  /** Queues runs and NOTIFYs, in the caller's `unit` when given (with the message that opened them). */
  enqueueRuns(
    input: { roomId: string; triggerMessageId: string; runs: NewRun[] },
    unit?: UnitOfWork,
  ): Promise<AgentRun[]>;
  /**
   * Claims up to `limit` queued runs for `owner` with a lease; never twice. Fair across rooms and
   * processes (docs/decisions.md, "Budgets, fairness, stops and crashes"): rooms with fewer runs in flight go first, oldest
   * first within a room, and no room gets more than `maxPerRoom` running at once; `skipRooms` are
   * left alone (their budget is waiting for reservations to settle).
   */
  claimRuns(input: {
    owner: string;
    leaseMs: number;
    limit?: number;
    roomId?: string;
    maxPerRoom?: number;
    skipRooms?: readonly string[];
  }): Promise<AgentRun[]>;
  /** Puts a claimed run that did not start back in the queue; false when it is no longer `owner`'s. */
  requeueRun(runId: string, owner: string): Promise<boolean>;
  /** Extends a lease; false when the run is no longer `owner`'s (expired and recovered). */
  renewLease(runId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Extends the leases of several runs in one statement; resolves with the ids still `owner`'s. */
  renewLeases(runIds: readonly string[], owner: string, leaseMs: number): Promise<string[]>;
  /**
   * Ends `owner`'s running run with `status`; false when it is no longer `owner`'s. Given the
   * run's `usage`, its reservation is settled in the same statement (what `Budget.settleTokens`
   * does, so a finished reply makes one write for both).
   */
  finishRun(
    runId: string,
    owner: string,
    status: Exclude<RunStatus, 'queued' | 'running'>,
    error?: string | null,
    usage?: TokenUsage,
  ): Promise<boolean>;
  /** Ends several of `owner`'s runs, each settled with its usage, in one statement; in their order. */
  finishRuns(owner: string, endings: readonly RunEnding[]): Promise<boolean[]>;
  /** The runs of one round (every run triggered by one human message), oldest first. */
  listRuns(triggerMessageId: string, unit?: UnitOfWork): Promise<AgentRun[]>;
  /** Cancels queued runs (a stop before they started), optionally only those opened by `repliesTo`'s messages; returns them. */
  cancelQueuedRuns(input: {
    roomId: string;
    agentId?: string;
    messageId?: string;
    repliesTo?: string;
  }): Promise<AgentRun[]>;
  /**
   * Finishes runs whose lease expired (see {@link RecoveredRun}), releasing what they reserved;
   * recorded in the audit log. `agentName` names the agent of an `interrupted` message it writes.
   */
  recoverExpiredRuns(options?: { agentName?(agentId: string): string }): Promise<RecoveredRun[]>;
  /**
   * Calls `onQueued(roomId, 'queued')` whenever runs are queued by any process, and
   * `onQueued(roomId, 'budget')` when a run of the room gave back tokens it had reserved.
   */
  onRunsQueued(
    onQueued: (roomId: string, reason: 'queued' | 'budget') => void,
  ): Promise<() => Promise<void>>;
  /** Tells every process to stop matching replies it streams (a stop may reach any instance). */
  publishStop(request: StopRequest): Promise<void>;
  onStop(onStopRequest: (request: StopRequest) => void): Promise<() => Promise<void>>;
}
