// The reply worker (docs/architecture.md §4–§5).
// Why one file: claim, lease, reserve, stream, finish and recover are the life of one run in
// agent_runs, and each step relies on what the previous one left in the row; streaming one reply
// is reply-run.ts.
import type { Message, RoomSettings, TokenUsage } from '../../protocol/room.ts';
import { batchPerTick } from '../lib/batch-per-tick.ts';
import { childLogger, type Logger } from '../lib/logger.ts';
import type { ReplyTelemetry, Telemetry } from '../observability/telemetry.ts';
import type { ChatModel } from '../providers/chat-model.ts';
import { RoomBusClosedError, type RoomBus } from '../realtime/room-bus.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { Budget, TokenReservation, TokenReservationRequest } from '../store/budget.ts';
import type { Room, Rooms } from '../store/rooms.ts';
import type { AgentRun, RunEnding, RunQueue, StopRequest } from '../store/run-queue.ts';
import type { NewAgentMessage, ReplyEnding, Transcript } from '../store/transcript.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import { buildSystemPrompt, buildTurns, estimateRequestTokens } from './context.ts';
import type { Persona } from './persona-file.ts';
import type { PersonaCatalog } from './personas.ts';
import type { ReplyEmitter } from './reply-emitter.ts';
import { ReplyCheckpoints, RunLeases } from './reply-checkpoints.ts';
import {
  ReplyStopped,
  SHUTDOWN,
  runReply,
  type ReplyRunDependencies,
  type ReplyRunOptions,
} from './reply-run.ts';

export interface ReplyWorkerOptions extends ReplyRunOptions {
  /** This process's name in run leases. */
  instanceId: string;
  leaseMs: number;
  /** How often to look for queued work and expired leases, besides NOTIFY wake-ups. */
  pollIntervalMs: number;
  maxConcurrentReplies: number;
  /** Replies one room may have streaming at once, across every process (fairness between rooms). */
  maxRepliesPerRoom: number;
  /** The output limit of a persona that sets none: what a run reserves and what the model may write. */
  maxOutputTokens: number;
  /** Messages read for an agent's context, before the token budget trims them. */
  contextMessages: number;
  contextTokenBudget: number;
}

/** The parts of the store the reply worker uses. */
export interface ReplyWorkerStores {
  rooms: Pick<Rooms, 'getRoom'>;
  transcript: Transcript;
  runs: RunQueue;
  budget: Pick<Budget, 'reserveTokensForRuns' | 'settleTokens'>;
  audit: Pick<AuditLog, 'appendEvent'>;
}

/**
 * What the worker needs from the round (docs/architecture.md §2: the worker learns about
 * hand-offs and caps through this, never by importing the round).
 */
export interface RoundHooks {
  settingsOf(room: Room): RoomSettings;
  agentsOf(room: Room): Persona[];
  /** The room's latest session summary, for the agents' memory. */
  summaryOf(roomId: string): Promise<string | null>;
  /** A reply ended and was saved: the round hands off, or tells the room why it stopped. */
  replyEnded(
    room: Room,
    run: AgentRun,
    persona: Persona,
    reply: Message,
    agents: Persona[],
  ): Promise<void>;
  /** A run ended without a reply (its persona or its room is gone): the round may be over. */
  runDropped(roomId: string, triggerMessageId: string): Promise<void>;
  /** A run the budget cannot fit was refused: the room is told (once a day). */
  budgetUsed(roomId: string, replyTo: string): Promise<void>;
  /** A reply streams in the room: called when it starts and about once a checkpoint interval. */
  replyActive(room: Room): void;
  /** A crashed process's reply was ended `interrupted` by recovery. */
  replyRecovered(reply: Message): Promise<void>;
}

export interface ReplyWorkerDependencies {
  store: ReplyWorkerStores;
  bus: RoomBus;
  personas: PersonaCatalog;
  tools: ToolRegistry;
  modelFor(persona: Persona): ChatModel;
  log: Logger;
  round: RoundHooks;
  /** Metrics and spans of each reply (docs/architecture.md §10); default none. */
  telemetry?: Telemetry;
}

interface ActiveReply {
  run: AgentRun;
  controller: AbortController;
  /** The run's end was written: from here it checks whether its round is over, or never will. */
  ended: boolean;
}

/**
 * What every run of a room claimed in one batch reads before it starts: the agents of one
 * message start together, and read the same room, history and memory once (the trigger, and any
 * reply a hand-off follows, were written before the runs were queued, so before the read).
 */
interface RoomContext {
  room: Room | null;
  history: Message[];
  summary: string | null;
}

/**
 * The reply worker (docs/architecture.md §4–§5): claims queued runs fairly (through `agent_runs`,
 * so across processes), holds each one's lease, reserves its tokens, streams it with
 * {@link runReply}, finishes it, settles its usage, and recovers the runs of crashed processes.
 */
export class ReplyWorker {
  private readonly active = new Map<string, ActiveReply>();
  private readonly live = new Map<string, ReplyEmitter>();
  private readonly unsubscribers: Array<() => Promise<void>> = [];
  private readonly finished = new Set<Promise<unknown>>();
  /** Rooms whose next run waits for a reservation to come back (skipped when claiming until then). */
  private readonly waitingForBudget = new Set<string>();
  private pollTimer: NodeJS.Timeout | undefined;
  private claiming = false;
  private claimAgain = false;
  private stopped = false;

  /** One write a second for every reply's checkpoint, one for every lease (reply-checkpoints.ts). */
  private readonly checkpoints: ReplyCheckpoints;
  private readonly leases: RunLeases;
  /**
   * Replies starting together (one claim) reserve, and insert their messages, in one statement
   * each; replies ending together finalise their messages, and end and settle their runs, in one
   * each (server/lib/batch-per-tick.ts).
   */
  private readonly reserve: (request: TokenReservationRequest) => Promise<TokenReservation>;
  private readonly endRun: (ending: RunEnding) => Promise<boolean>;
  private readonly replyStore: ReplyRunDependencies['store'];

  constructor(
    private readonly deps: ReplyWorkerDependencies,
    private readonly options: ReplyWorkerOptions,
  ) {
    const { store, log } = deps;
    this.checkpoints = new ReplyCheckpoints(store.transcript, options.checkpointIntervalMs, log);
    this.leases = new RunLeases(store.runs, options.instanceId, options.leaseMs, log);
    this.reserve = batchPerTick((requests: TokenReservationRequest[]) =>
      store.budget.reserveTokensForRuns(requests),
    );
    this.endRun = batchPerTick((endings: RunEnding[]) =>
      store.runs.finishRuns(options.instanceId, endings),
    );
    const { transcript } = store;
    const finishAgentMessage = batchPerTick((endings: Array<{ id: string; final: ReplyEnding }>) =>
      transcript.finishAgentMessages(endings),
    );
    this.replyStore = {
      ...store,
      transcript: {
        startAgentMessage: batchPerTick((inputs: NewAgentMessage[]) =>
          transcript.startAgentMessages(inputs),
        ),
        finishAgentMessage: (id, final) => finishAgentMessage({ id, final }),
        searchMessages: (roomId, query, limit) => transcript.searchMessages(roomId, query, limit),
      },
    };
  }

  /** Listens for work queued by any process, recovers expired leases, and starts claiming. */
  async start(): Promise<void> {
    this.unsubscribers.push(
      await this.deps.store.runs.onRunsQueued((roomId, reason) => {
        // Tokens given back matter only to a room this process left waiting for them: every
        // reply's end gives some back, and a claim for each would be hundreds of needless queries.
        if (reason === 'budget' && !this.waitingForBudget.has(roomId)) return;
        this.waitingForBudget.delete(roomId);
        this.wake();
      }),
    );
    this.unsubscribers.push(
      await this.deps.store.runs.onStop((request) => this.abortLocal(request)),
    );
    this.pollTimer = setInterval(() => {
      this.waitingForBudget.clear();
      this.recover().catch((error: unknown) =>
        this.deps.log('error', 'orchestrator.recover_failed', { error }),
      );
      this.wake();
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
    await this.recover();
    this.wake();
  }

  /** Stops every reply this process streams (they end `interrupted`, text kept) and waits for them. */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    for (const reply of this.active.values()) reply.controller.abort(SHUTDOWN);
    await Promise.allSettled([...this.finished]);
    this.checkpoints.close();
    this.leases.close();
    await Promise.all(this.unsubscribers.splice(0).map((unsubscribe) => unsubscribe()));
  }

  /** The live state of a reply this process is streaming (for catch-up), or the message as given. */
  liveMessage(message: Message): Message {
    const emitter = this.live.get(message.id);
    return emitter ? { ...message, ...emitter.snapshot } : message;
  }

  /** Whether this process streams a reply of `handle` in the room now. */
  isStreaming(roomId: string, handle: string): boolean {
    return [...this.active.values()].some(
      (reply) => reply.run.roomId === roomId && reply.run.agentId === handle,
    );
  }

  /**
   * Whether this process holds a run of the round `triggerMessageId` opened whose end is not yet
   * written: that run checks whether the round is over after writing it, so after every end
   * written so far, and a check now can be left to it (one query a round, not one a reply).
   */
  hasRunStillToEnd(triggerMessageId: string): boolean {
    for (const reply of this.active.values())
      if (reply.run.triggerMessageId === triggerMessageId && !reply.ended) return true;
    return false;
  }

  /** Aborts the matching replies this process streams (a stop from this or another process). */
  abortLocal(request: StopRequest): void {
    for (const { run, controller } of this.active.values()) {
      if (run.roomId !== request.roomId) continue;
      if (request.repliesTo !== undefined && run.triggerAuthorId !== request.repliesTo) continue;
      if (
        'all' in request ||
        ('agentId' in request && run.agentId === request.agentId) ||
        ('messageId' in request && run.messageId === request.messageId)
      ) {
        controller.abort(new ReplyStopped(request.by ?? null));
      }
    }
  }

  /** Claims queued runs up to the concurrency limit; called on every reason there may be work. */
  wake(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    void (async () => {
      try {
        do {
          this.claimAgain = false;
          const capacity = this.options.maxConcurrentReplies - this.active.size;
          if (capacity <= 0) break;
          const runs = await this.deps.store.runs.claimRuns({
            owner: this.options.instanceId,
            leaseMs: this.options.leaseMs,
            limit: capacity,
            maxPerRoom: this.options.maxRepliesPerRoom,
            skipRooms: [...this.waitingForBudget],
          });
          this.startReplies(runs);
          if (runs.length === capacity) this.claimAgain = true;
        } while (this.claimAgain && !this.stopped);
      } catch (error) {
        this.deps.log('error', 'orchestrator.claim_failed', { error });
      } finally {
        this.claiming = false;
      }
    })();
  }

  /** Starts a claimed batch, each room's context read once for its runs. */
  private startReplies(runs: AgentRun[]): void {
    const contexts = new Map<string, Promise<RoomContext>>();
    for (const run of runs) {
      let context = contexts.get(run.roomId);
      if (!context) {
        context = this.readContext(run.roomId);
        context.catch(() => {}); // each run's reply sees the failure and logs it
        contexts.set(run.roomId, context);
      }
      this.startReply(run, context);
    }
  }

  private async readContext(roomId: string): Promise<RoomContext> {
    const { store, round } = this.deps;
    const room = await store.rooms.getRoom(roomId);
    if (!room) return { room, history: [], summary: null };
    const [history, summary] = await Promise.all([
      store.transcript.recentMessages(room.id, this.options.contextMessages),
      round.summaryOf(room.id),
    ]);
    return { room, history, summary };
  }

  private startReply(run: AgentRun, context: Promise<RoomContext>): void {
    const reply: ActiveReply = { run, controller: new AbortController(), ended: false };
    this.active.set(run.id, reply);
    const done = this.reply(reply, context)
      .catch((error: unknown) =>
        this.deps.log('error', 'orchestrator.run_failed', { runId: run.id, error }),
      )
      .finally(() => {
        this.active.delete(run.id);
        this.finished.delete(done);
        this.wake();
      });
    this.finished.add(done);
  }

  private async reply(active: ActiveReply, context: Promise<RoomContext>): Promise<void> {
    const { run, controller } = active;
    const { store, bus, personas, round } = this.deps;
    const log = childLogger(this.deps.log, {
      runId: run.id,
      roomId: run.roomId,
      agent: run.agentId,
    });
    const persona = personas.find(run.agentId);
    const { room, history, summary } = await context;
    if (!persona || !room) {
      await this.finishRun(
        active,
        'failed',
        persona ? 'room not found' : `no persona @${run.agentId}`,
      );
      await round.runDropped(run.roomId, run.triggerMessageId);
      return;
    }
    // Another process recovered the run (its lease expired): stop writing.
    const releaseLease = this.leases.hold(run.id, () => controller.abort());
    let usage = { inputTokens: 0, outputTokens: 0 };
    let settled = false;
    let telemetry: ReplyTelemetry | undefined;
    try {
      const agents = round.agentsOf(room);
      const settings = round.settingsOf(room);
      const seen = run.reason === 'regenerate' ? upTo(history, run.triggerMessageId) : history;
      const system = buildSystemPrompt(
        persona,
        agents.filter((agent) => agent !== persona),
        summary,
      );
      const turns = buildTurns(seen, persona, this.options.contextTokenBudget);
      const maxOutputTokens = persona.maxOutputTokens ?? this.options.maxOutputTokens;
      const reserve = (tokens: number) =>
        this.reserve({ roomId: room.id, runId: run.id, tokens, budget: settings.tokensPerDay });
      const toolSpecs = persona.tools.length > 0 ? this.deps.tools.specs(persona.tools) : [];
      const reservation = await reserve(
        estimateRequestTokens(system, turns, toolSpecs) + maxOutputTokens,
      );
      if (reservation !== 'reserved') {
        settled = await this.holdBack(active, reservation);
        return;
      }
      // A support conversation's inbox row follows the reply (docs/architecture.md §8).
      round.replyActive(room);
      const model = this.deps.modelFor(persona);
      telemetry = this.deps.telemetry?.replyStarted({
        roomId: room.id,
        messageId: run.messageId,
        triggerMessageId: run.triggerMessageId,
        agent: persona.handle,
        reason: run.reason,
        provider: model.provider,
        model: persona.model,
        maxOutputTokens,
        ...(persona.temperature === undefined ? {} : { temperature: persona.temperature }),
      });
      const activity =
        room.parentId === null
          ? undefined
          : setInterval(() => round.replyActive(room), this.options.checkpointIntervalMs);
      const outcome = await runReply(
        {
          run,
          persona,
          model: telemetry?.observe(model) ?? model,
          system,
          turns,
          settings: {
            maxOutputTokens,
            ...(persona.temperature === undefined ? {} : { temperature: persona.temperature }),
          },
          signal: controller.signal,
        },
        {
          store: this.replyStore,
          bus,
          tools: this.deps.tools,
          log,
          options: this.options,
          checkpoints: this.checkpoints,
          reserve,
          onLive: (messageId, emitter) =>
            emitter ? this.live.set(messageId, emitter) : this.live.delete(messageId),
          setStatus: (status) =>
            bus
              .trackAgent(room.id, persona.handle, {
                name: persona.name,
                color: persona.color,
                status,
              })
              .catch((error: unknown) => {
                // A status still on its way when the server shuts down is expected to be dropped.
                if (!(error instanceof RoomBusClosedError))
                  log('warn', 'orchestrator.presence_failed', { roomId: room.id, error });
              }),
        },
      ).finally(() => clearInterval(activity));
      const final = outcome.message;
      telemetry?.ended({ status: final.status, error: final.error ?? null });
      usage = final.usage ?? usage;
      if (!outcome.saved) return; // left to recovery, which finishes the row once the lease has expired
      const runStatus =
        final.status === 'complete'
          ? 'done'
          : final.status === 'cancelled'
            ? 'cancelled'
            : 'failed';
      // The run's row keeps the server's words for staff and operators; the message only a public
      // code. Its usage is settled in the same write (false: recovery took it, settled below).
      settled = await this.finishRun(active, runStatus, outcome.errorDetail ?? final.error, usage);
      await round.replyEnded(room, run, persona, final, agents);
    } finally {
      telemetry?.ended({ status: 'error', error: 'the reply failed' }); // no-op once it ended
      releaseLease();
      if (!settled)
        await store.budget
          .settleTokens({ roomId: run.roomId, runId: run.id, usage })
          .catch((error: unknown) =>
            log('error', 'orchestrator.settle_failed', { runId: run.id, error }),
          );
    }
  }

  /**
   * A run the budget cannot fit: it waits in the queue while other runs of the room hold
   * reservations that may come back (`wait`), or is cancelled when nothing is in flight and it
   * still does not fit (`exhausted`); the room is told once a day. True when nothing is left to
   * settle (the run reserved nothing).
   */
  private async holdBack(
    active: ActiveReply,
    reservation: Exclude<TokenReservation, 'reserved'>,
  ): Promise<boolean> {
    const { run } = active;
    if (reservation === 'wait') {
      this.waitingForBudget.add(run.roomId);
      await this.deps.store.runs.requeueRun(run.id, this.options.instanceId);
      return true;
    }
    const settled = await this.finishRun(active, 'cancelled', 'token budget used for today');
    await this.deps.round.budgetUsed(run.roomId, run.triggerMessageId);
    return settled;
  }

  /**
   * Writes the run's end, settled with its `usage` (runs ending together in one statement); false
   * when recovery took the run, which then settles nothing. From then on it is {@link ActiveReply.ended}.
   */
  private async finishRun(
    active: ActiveReply,
    status: RunEnding['status'],
    error: string | null | undefined,
    usage: TokenUsage = { inputTokens: 0, outputTokens: 0 },
  ): Promise<boolean> {
    try {
      return await this.endRun({ runId: active.run.id, status, error, usage });
    } finally {
      active.ended = true;
    }
  }

  /** Finishes runs whose lease expired (a crashed process) and tells the room; re-runs those that never started. */
  private async recover(): Promise<void> {
    const recovered = await this.deps.store.runs.recoverExpiredRuns({
      agentName: (handle) => this.deps.personas.find(handle)?.name ?? handle,
    });
    for (const { run, message, requeued } of recovered) {
      this.deps.log('warn', 'orchestrator.run_recovered', {
        roomId: run.roomId,
        messageId: run.messageId,
        requeued,
      });
      if (!message) continue;
      await this.deps.bus.broadcast(message.roomId, 'message-end', { message }).catch(() => {});
      await this.deps.round.replyRecovered(message);
    }
    if (recovered.some((entry) => entry.requeued)) this.wake();
  }
}

/** The messages up to and including `messageId` (a regenerated reply sees what the original saw). */
function upTo(messages: Message[], messageId: string): Message[] {
  const index = messages.findIndex((message) => message.id === messageId);
  return index === -1 ? messages : messages.slice(0, index + 1);
}
