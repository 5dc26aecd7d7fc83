// The round (docs/architecture.md §5): who answers a message, hand-offs, caps, stop and
// regenerate, and the room API the HTTP layer calls.
// Why one file: these rules decide together what one posted message sets off; the reply worker
// (reply-worker.ts), agent presence (agent-presence.ts), speaker selection (select-speakers.ts)
// and session summaries are separate.
import { randomUUID } from 'node:crypto';
import {
  isStaffRole,
  type Author,
  type ConversationStatus,
  type HandoffTarget,
  type Message,
  type RoomSettings,
} from '../../protocol/room.ts';
import { AppError } from '../lib/app-error.ts';
import type { Logger } from '../lib/logger.ts';
import type { ChatModel } from '../providers/chat-model.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { Budget } from '../store/budget.ts';
import { NotFoundError } from '../store/not-found-error.ts';
import type { Participant, Room } from '../store/rooms.ts';
import type { AgentRun, NewRun, RunQueue, StopRequest } from '../store/run-queue.ts';
import { postHumanMessage } from '../store/store.ts';
import type { Summaries } from '../store/summaries.ts';
import type { Transcript } from '../store/transcript.ts';
import type { Transactions } from '../store/unit-of-work.ts';
import type { WebhookOutbox } from '../store/webhook-outbox.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import { AgentPresence } from './agent-presence.ts';
import { DEFAULT_COALESCE_MAX_CHARS, EMBEDDED_COALESCE_MS } from './coalescer.ts';
import { Conversations, type Actor, type ConversationDependencies } from './conversations.ts';
import type { Persona } from './persona-file.ts';
import type { PersonaCatalog } from './personas.ts';
import { BUDGET_ERROR } from './reply-run.ts';
import { ReplyWorker, type ReplyWorkerOptions, type RoundHooks } from './reply-worker.ts';
import { DEFAULT_ROOM_SETTINGS, resolveRoomSettings } from './room-settings.ts';
import { selectHandoffs, selectSpeakers } from './select-speakers.ts';
import { SessionSummaries } from './session-summaries.ts';
import { offlineSummarizer, type Summarizer } from './summarizer.ts';
import type { Telemetry } from '../observability/telemetry.ts';

export interface OrchestratorOptions extends ReplyWorkerOptions {
  roomDefaults: RoomSettings;
  /** Quiet time after which a room's session is summarized (0: never). */
  summaryQuietMs: number;
  /** The quiet time after which a support conversation whose visitor has left is summarized. */
  summaryConversationQuietMs: number;
  /** The most messages one session summary reads. */
  summaryMaxMessages: number;
}

export const DEFAULT_ORCHESTRATOR_OPTIONS: Omit<OrchestratorOptions, 'instanceId'> = {
  coalesceWindowMs: EMBEDDED_COALESCE_MS,
  coalesceMaxChars: DEFAULT_COALESCE_MAX_CHARS,
  checkpointIntervalMs: 1000,
  maxToolSteps: 3,
  maxAttempts: 3,
  retryBaseDelayMs: 500,
  leaseMs: 15_000,
  pollIntervalMs: 5_000,
  // CHORUS_MAX_CONCURRENT_REPLIES; from the capacity benchmark (docs/decisions.md, "Replies per process").
  maxConcurrentReplies: 64,
  maxRepliesPerRoom: 4,
  maxOutputTokens: 1_024,
  contextMessages: 60,
  contextTokenBudget: 6_000,
  roomDefaults: DEFAULT_ROOM_SETTINGS,
  summaryQuietMs: 600_000,
  summaryConversationQuietMs: 120_000,
  summaryMaxMessages: 200,
};

/** The parts of the store the orchestrator uses (a `createPostgresStores` result has them all). */
export interface OrchestratorStores extends Transactions {
  rooms: ConversationDependencies['store']['rooms'];
  transcript: Transcript;
  runs: RunQueue;
  budget: Pick<
    Budget,
    'getTokenBudget' | 'claimBudgetNotice' | 'reserveTokensForRuns' | 'settleTokens'
  >;
  summaries: Summaries;
  audit: Pick<AuditLog, 'appendEvent'>;
}

export interface OrchestratorDependencies {
  store: OrchestratorStores;
  bus: RoomBus;
  personas: PersonaCatalog;
  tools: ToolRegistry;
  /** The model a persona speaks through. */
  modelFor(persona: Persona): ChatModel;
  log: Logger;
  /** Writes session summaries; the offline one by default. */
  summarizer?: Summarizer;
  /** Where webhook events are queued (docs/architecture.md §9); null or absent: webhooks are off. */
  webhooks?: Pick<WebhookOutbox, 'enqueueEvent'> | null;
  /** Metrics and spans of rounds and replies (docs/architecture.md §10); default none. */
  telemetry?: Telemetry;
}

/** A message that cannot be answered now: the room has spent its daily token budget. */
export class BudgetExhaustedError extends AppError {
  constructor(roomId: string) {
    super({
      name: 'BudgetExhaustedError',
      code: 'budget_exhausted',
      status: 429,
      message: `Room ${roomId} has used its token budget for today`,
    });
  }
}

/** A participant acting on a reply that answers someone else (docs/decisions.md, "Who may stop what"). */
export class NotYourReplyError extends AppError {
  constructor(action: 'stop' | 'regenerate') {
    super({
      name: 'NotYourReplyError',
      code: 'forbidden',
      status: 403,
      message: `You may ${action} only the replies to your own messages`,
    });
  }
}

/**
 * Who acts on replies through the API: a participant of the room (staff may act on any reply), or
 * the service (no actor, no limits).
 */
export type ReplyActor = Actor;

const BUDGET_NOTICE =
  'This room has used its token budget for today, so the agents will not answer until tomorrow.';

/**
 * Rounds (docs/architecture.md §5): a human message selects its speakers and queues their runs with
 * it; the {@link ReplyWorker} of this process (and of any other sharing the database) claims and
 * streams them; replies that @mention another agent hand off, within the room's turn cap and token
 * budget, and a cap that stops a round leaves a visible system notice. Also the room API the HTTP
 * layer sees (`RoomService`): posts, stops and regenerations with who may do what, and presence.
 */
export class Orchestrator implements RoundHooks {
  private readonly options: OrchestratorOptions;
  private readonly summaries: SessionSummaries;
  private readonly worker: ReplyWorker;
  /** The round-end checks under way, by the message that opened the round (see endRoundIfDone). */
  private readonly roundChecks = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly presence: AgentPresence;
  /** Takeover, moderation and the inbox of support rooms. */
  readonly conversations: Conversations;

  constructor(
    private readonly deps: OrchestratorDependencies,
    options: Partial<OrchestratorOptions> & { instanceId?: string } = {},
  ) {
    this.options = {
      ...DEFAULT_ORCHESTRATOR_OPTIONS,
      instanceId: `chorus-${randomUUID().slice(0, 8)}`,
      ...options,
    };
    this.worker = new ReplyWorker({ ...deps, round: this }, this.options);
    this.presence = new AgentPresence({
      bus: deps.bus,
      personas: deps.personas,
      log: deps.log,
      isStreaming: (roomId, handle) => this.worker.isStreaming(roomId, handle),
    });
    this.conversations = new Conversations({
      store: deps.store,
      bus: deps.bus,
      log: deps.log,
      settingsOf: (room) => this.settingsOf(room),
      liveMessage: (message) => this.worker.liveMessage(message),
      stopAll: (roomId, actor) => this.stop({ roomId, all: true }, actor),
      webhooks: deps.webhooks ?? null,
      closed: (room) => this.summaries.end(room),
    });
    this.summaries = new SessionSummaries(
      {
        store: deps.store,
        bus: deps.bus,
        summarizer: deps.summarizer ?? offlineSummarizer,
        log: deps.log,
        onQuiet: (roomId) => this.presence.release(roomId),
      },
      {
        quietMs: this.options.summaryQuietMs,
        conversationQuietMs: this.options.summaryConversationQuietMs,
        maxMessages: this.options.summaryMaxMessages,
      },
    );
  }

  /** Starts the reply worker: listening for queued work, recovering expired leases, claiming. */
  async start(): Promise<void> {
    await this.worker.start();
  }

  /**
   * Stops every reply this process streams (they end `interrupted`, text kept) and waits for
   * them; drops the rooms' quiet timers (a room summarizes when it is next active and quiet).
   */
  async close(): Promise<void> {
    this.conversations.close();
    await this.worker.close();
    await this.summaries.close();
  }

  /** The room's settings over the server's defaults. */
  settingsOf(room: Room): RoomSettings {
    return resolveRoomSettings(room.settings, this.options.roomDefaults);
  }

  allAgents(): readonly Persona[] {
    return this.deps.personas.personas;
  }

  /** The personas speaking in a room (all of them unless the room lists some). */
  agentsOf(room: Room): Persona[] {
    const settings = this.settingsOf(room);
    const all = this.deps.personas.personas;
    if (settings.agents.length === 0) return [...all];
    return settings.agents.flatMap((handle) => all.filter((persona) => persona.handle === handle));
  }

  /**
   * Posts a human message and opens its round. Idempotent by `id`: a retried post returns the
   * stored message and queues nothing new. Over the day's token budget the message is kept and
   * no agent answers; the room is told so once a day. In a support conversation the agents answer
   * only while its status is `bot` (a visitor writing in a closed one opens it again); a staff
   * message is answered only by the agents it @mentions (docs/architecture.md §8).
   */
  async postMessage(input: {
    room: Room;
    id: string;
    author: Author;
    content: string;
  }): Promise<{ message: Message; created: boolean }> {
    const { room } = input;
    const settings = this.settingsOf(room);
    const agents = this.agentsOf(room);
    const staff = isStaffRole(input.author.role);
    if (!staff && room.status === 'closed' && input.author.kind === 'human') {
      const existing = await this.deps.store.transcript.getMessage(input.id);
      if (!existing) {
        await this.conversations.reopen(room, {
          id: input.author.id,
          name: input.author.name,
          role: 'guest',
        });
      }
    }
    const withinBudget = await this.withinBudget(room.id, settings);
    const answering = room.status === null || room.status === 'bot' || staff;
    const selected =
      withinBudget && answering
        ? selectSpeakers(input.content, agents, settings, this.deps.personas.defaultPersona)
        : [];
    const speakers = staff ? selected.filter((speaker) => speaker.reason === 'mention') : selected;
    const runs: NewRun[] = speakers.map((speaker) => ({
      agentId: speaker.persona.handle,
      reason: speaker.reason,
    }));
    const { store } = this.deps;
    const posted = await postHumanMessage(
      {
        transaction: (work) => store.transaction(work),
        transcript: store.transcript,
        runs: store.runs,
        webhooks: this.deps.webhooks ?? null, // `message.created`, in the post's transaction
      },
      {
        id: input.id,
        roomId: room.id,
        author: input.author,
        content: input.content,
        runs,
      },
    );
    if (!posted.created) return posted;
    if (runs.length > 0)
      this.deps.telemetry?.roundStarted({
        roomId: room.id,
        messageId: posted.message.id,
        runs: runs.length,
      });
    this.summaries.touch(room);
    if (room.parentId !== null) await this.deps.store.rooms.touchConversation(room.id);
    this.conversations.activity(room);
    await this.deps.bus
      .broadcast(room.id, 'message', { message: posted.message })
      .catch((error: unknown) =>
        this.deps.log('warn', 'orchestrator.broadcast_failed', {
          roomId: room.id,
          event: 'message',
          error,
        }),
      );
    if (!withinBudget) await this.budgetUsed(room.id, posted.message.id);
    else if (runs.length === 0) await this.endRoundIfDone(room.id, posted.message.id);
    this.worker.wake();
    return posted;
  }

  /**
   * Regenerates an agent's reply: the same agent answers the same message again. A participant
   * (`actor`) may regenerate only replies to their own messages; the service, any.
   */
  async regenerate(
    room: Room,
    messageId: string,
    actor?: ReplyActor,
  ): Promise<{ messageId: string }> {
    const message = await this.deps.store.transcript.getMessage(messageId);
    if (
      !message ||
      message.roomId !== room.id ||
      message.author.kind !== 'agent' ||
      !message.replyTo
    )
      throw new NotFoundError(`Agent reply ${messageId}`);
    if (actor && !isStaffRole(actor.role) && !(await this.answers(message.replyTo, actor)))
      throw new NotYourReplyError('regenerate');
    if (message.status === 'streaming')
      throw new AppError({
        code: 'still_streaming',
        status: 409,
        message: 'This reply is still streaming; stop it first',
      });
    if (!this.agentsOf(room).some((persona) => persona.handle === message.author.id)) {
      throw new AppError({
        code: 'agent_not_in_room',
        status: 409,
        message: `${message.author.name} no longer answers in this room`,
      });
    }
    if (!(await this.withinBudget(room.id, this.settingsOf(room))))
      throw new BudgetExhaustedError(room.id);
    const [run] = await this.deps.store.runs.enqueueRuns({
      roomId: room.id,
      triggerMessageId: message.replyTo,
      runs: [{ agentId: message.author.id, reason: 'regenerate' }],
    });
    this.worker.wake();
    return { messageId: run!.messageId };
  }

  /**
   * Stops replies in a room (by message, agent, or all), here and in every other process. A
   * participant (`actor`) stops only replies to their own messages: naming another's reply is
   * {@link NotYourReplyError}, and an agent or `all` stops just theirs. Stopped replies show who
   * stopped them.
   */
  async stop(request: StopRequest, actor?: ReplyActor): Promise<void> {
    const limited = actor !== undefined && !isStaffRole(actor.role);
    if (limited && 'messageId' in request) {
      const reply = await this.deps.store.transcript.getMessage(request.messageId);
      if (
        reply?.roomId === request.roomId &&
        reply.replyTo &&
        !(await this.answers(reply.replyTo, actor))
      )
        throw new NotYourReplyError('stop');
    }
    const scoped: StopRequest = actor
      ? {
          ...request,
          by: { id: actor.id, name: actor.name },
          ...(limited ? { repliesTo: actor.id } : {}),
        }
      : request;
    await this.deps.store.runs.cancelQueuedRuns({
      roomId: scoped.roomId,
      ...('agentId' in scoped ? { agentId: scoped.agentId } : {}),
      ...('messageId' in scoped ? { messageId: scoped.messageId } : {}),
      ...(scoped.repliesTo ? { repliesTo: scoped.repliesTo } : {}),
    });
    this.worker.abortLocal(scoped);
    await this.deps.store.runs.publishStop(scoped);
    await this.deps.store.audit.appendEvent({
      roomId: scoped.roomId,
      kind: 'reply.stopped',
      actor: actor?.id ?? null,
      data: { ...scoped },
    });
  }

  /** Whether `messageId` (the message a reply answers) was written by `actor`. */
  private async answers(messageId: string, actor: ReplyActor): Promise<boolean> {
    const question = await this.deps.store.transcript.getMessage(messageId);
    return question?.author.id === actor.id;
  }

  /** The live state of a reply this process is streaming (for catch-up), or the message as given. */
  liveMessage(message: Message): Message {
    return this.worker.liveMessage(message);
  }

  /** Shows a room's agents in its presence (when someone opens the room). */
  async showAgents(room: Room): Promise<void> {
    this.summaries.touch(room);
    await this.presence.show(room.id, this.agentsOf(room));
  }

  summaryOf(roomId: string): Promise<string | null> {
    return this.summaries.latest(roomId);
  }

  async replyEnded(
    room: Room,
    run: AgentRun,
    persona: Persona,
    reply: Message,
    agents: Persona[],
  ): Promise<void> {
    // The round's other runs in this process leave the check to this one: it happens even when
    // the hand-off fails.
    try {
      this.summaries.touch(room);
      this.conversations.activity(room);
      await this.replyCompleted(reply);
      if (reply.status === 'complete') await this.handOff(room, run, persona, reply, agents);
    } finally {
      if (reply.error === BUDGET_ERROR) await this.budgetUsed(room.id, run.triggerMessageId);
      else await this.endRoundIfDone(room.id, run.triggerMessageId);
    }
  }

  runDropped(roomId: string, triggerMessageId: string): Promise<void> {
    return this.endRoundIfDone(roomId, triggerMessageId);
  }

  replyActive(room: Room): void {
    this.conversations.activity(room);
  }

  async replyRecovered(reply: Message): Promise<void> {
    await this.replyCompleted(reply);
    if (reply.replyTo) await this.endRoundIfDone(reply.roomId, reply.replyTo);
  }

  /**
   * Broadcasts `round-end` once no run a human message started (its hand-offs included) is
   * queued or running. Each process checks after finishing its own run, so whichever finishes
   * last, here or elsewhere, sees them all ended (two may both say so: a repeat is harmless). A
   * run this process still streams will check after it, so none is needed now; and while a check
   * of the round is under way, asking again only makes it look once more if it finds the round
   * going on (the runs of a round end together, in one statement, and each asks).
   */
  private endRoundIfDone(roomId: string, messageId: string): Promise<void> {
    if (this.worker.hasRunStillToEnd(messageId)) return Promise.resolve();
    const underWay = this.roundChecks.get(messageId);
    if (underWay) {
      underWay.again = true;
      return underWay.done;
    }
    const check = { again: false, done: Promise.resolve() };
    check.done = (async () => {
      try {
        let over: boolean;
        do {
          check.again = false;
          over = await this.announceRoundEnd(roomId, messageId);
        } while (!over && check.again);
      } finally {
        this.roundChecks.delete(messageId);
      }
    })();
    this.roundChecks.set(messageId, check);
    return check.done;
  }

  /** Broadcasts `round-end` when every run of the round has ended; true when it did (or failed to ask). */
  private async announceRoundEnd(roomId: string, messageId: string): Promise<boolean> {
    try {
      const runs = await this.deps.store.runs.listRuns(messageId);
      if (runs.some((run) => run.status === 'queued' || run.status === 'running')) return false;
      await this.deps.bus.broadcast(roomId, 'round-end', { id: messageId });
      this.deps.telemetry?.roundEnded(messageId);
    } catch (error) {
      this.deps.log('warn', 'orchestrator.round_end_failed', { roomId, messageId, error });
    }
    return true;
  }

  handoff(room: Room, to: HandoffTarget, actor: Actor): Promise<ConversationStatus> {
    return this.conversations.handoff(room, to, actor);
  }

  deleteMessage(room: Room, messageId: string, actor: Actor): Promise<Message> {
    return this.conversations.deleteMessage(room, messageId, actor);
  }

  mute(
    room: Room,
    participantId: string,
    input: { muted: boolean; minutes?: number },
    actor: Actor,
  ): Promise<Participant> {
    return this.conversations.mute(room, participantId, input, actor);
  }

  assertMayPost(room: Room, participantId: string): Promise<void> {
    return this.conversations.assertMayPost(room, participantId);
  }

  async conversationOpened(room: Room): Promise<void> {
    await this.conversations.publish(room.id);
  }

  /**
   * Queues `reply.completed` for a saved reply, right after it was saved (docs/decisions.md,
   * "Webhooks"); a failure is logged and the round goes on.
   */
  private async replyCompleted(reply: Message): Promise<void> {
    await this.deps.webhooks
      ?.enqueueEvent({ type: 'reply.completed', roomId: reply.roomId, data: { message: reply } })
      .catch((error: unknown) =>
        this.deps.log('error', 'webhook.enqueue_failed', {
          type: 'reply.completed',
          messageId: reply.id,
          error,
        }),
      );
  }

  /** Tells the room its budget is used, once a day whichever process notices first; the round may be over. */
  async budgetUsed(roomId: string, replyTo: string): Promise<void> {
    try {
      if (await this.deps.store.budget.claimBudgetNotice(roomId))
        await this.notice(roomId, BUDGET_NOTICE, replyTo);
    } finally {
      await this.endRoundIfDone(roomId, replyTo);
    }
  }

  /** Whether the room has spent less than its budget today (runs in flight may still fit after it). */
  private async withinBudget(roomId: string, settings: RoomSettings): Promise<boolean> {
    const { used } = await this.deps.store.budget.getTokenBudget(roomId);
    return used < settings.tokensPerDay;
  }

  private async notice(roomId: string, content: string, replyTo: string | null): Promise<void> {
    const message = await this.deps.store.transcript.insertSystemMessage({
      roomId,
      content,
      replyTo,
    });
    await this.deps.bus.broadcast(roomId, 'message', { message }).catch(() => {});
  }

  /** Queues the agents a reply @mentions, within the room's agent-turn cap and token budget. */
  private async handOff(
    room: Room,
    run: AgentRun,
    speaker: Persona,
    reply: Message,
    agents: Persona[],
  ): Promise<void> {
    // Most replies name no other agent: the round's runs are read only when one does.
    const named = selectHandoffs(reply.content, speaker, agents, new Set());
    if (named.length === 0) return;
    const round = await this.deps.store.runs.listRuns(run.triggerMessageId);
    const spoke = new Set(round.map((entry) => entry.agentId));
    const next = named.filter((persona) => !spoke.has(persona.handle));
    if (next.length === 0) return;
    const settings = this.settingsOf(room);
    if (run.depth + 1 > settings.maxAgentTurns) {
      await this.notice(
        room.id,
        `The agents stopped handing over to each other after ${settings.maxAgentTurns} turns. Send a message to continue.`,
        reply.id,
      );
      return;
    }
    if (!(await this.withinBudget(room.id, settings))) {
      await this.budgetUsed(room.id, reply.id);
      return;
    }
    await this.deps.store.runs.enqueueRuns({
      roomId: room.id,
      triggerMessageId: run.triggerMessageId,
      runs: next.map((persona) => ({
        agentId: persona.handle,
        reason: 'handoff',
        depth: run.depth + 1,
      })),
    });
    this.worker.wake();
  }
}
