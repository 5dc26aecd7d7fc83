import { randomUUID } from 'node:crypto';
import type { Author, Message, RoomSettings } from '../../protocol/room.ts';
import { AppError } from '../lib/app-error.ts';
import type { Logger } from '../lib/logger.ts';
import type { ChatModel } from '../providers/chat-model.ts';
import { RoomBusClosedError, type RoomBus } from '../realtime/room-bus.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { Budget, TokenReservation } from '../store/budget.ts';
import { NotFoundError } from '../store/not-found-error.ts';
import type { Room, Rooms } from '../store/rooms.ts';
import type { AgentRun, NewRun, RunQueue, StopRequest } from '../store/run-queue.ts';
import { postHumanMessage } from '../store/store.ts';
import type { Summaries } from '../store/summaries.ts';
import type { Transcript } from '../store/transcript.ts';
import type { Transactions } from '../store/unit-of-work.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import { buildSystemPrompt, buildTurns, estimateRequestTokens } from './context.ts';
import type { Persona, PersonaCatalog } from './personas.ts';
import type { ReplyEmitter } from './reply-emitter.ts';
import { BUDGET_ERROR, ReplyStopped, SHUTDOWN, runReply, type ReplyRunOptions } from './reply-run.ts';
import { DEFAULT_ROOM_SETTINGS, resolveRoomSettings } from './room-settings.ts';
import { selectHandoffs, selectSpeakers } from './select-speakers.ts';
import { SessionSummaries } from './session-summaries.ts';
import { offlineSummarizer, type Summarizer } from './summarizer.ts';

export interface OrchestratorOptions extends ReplyRunOptions {
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
  roomDefaults: RoomSettings;
  /** Quiet time after which a room's session is summarized (0: never). */
  summaryQuietMs: number;
  /** The most messages one session summary reads. */
  summaryMaxMessages: number;
}

export const DEFAULT_ORCHESTRATOR_OPTIONS: Omit<OrchestratorOptions, 'instanceId'> = {
  coalesceWindowMs: 40,
  coalesceMaxChars: 512,
  checkpointIntervalMs: 1000,
  maxToolSteps: 3,
  maxAttempts: 3,
  retryBaseDelayMs: 500,
  leaseMs: 15_000,
  pollIntervalMs: 5_000,
  maxConcurrentReplies: 32,
  maxRepliesPerRoom: 4,
  maxOutputTokens: 1_024,
  contextMessages: 60,
  contextTokenBudget: 6_000,
  roomDefaults: DEFAULT_ROOM_SETTINGS,
  summaryQuietMs: 600_000,
  summaryMaxMessages: 200,
};

/** The parts of the store the orchestrator uses (a `createPostgresStores` result has them all). */
export interface OrchestratorStores extends Transactions {
  rooms: Pick<Rooms, 'getRoom'>;
  transcript: Transcript;
  runs: RunQueue;
  budget: Pick<Budget, 'getTokenBudget' | 'claimBudgetNotice' | 'reserveTokens' | 'settleTokens'>;
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
}

interface ActiveReply {
  run: AgentRun;
  controller: AbortController;
}

/** A message that cannot be answered now: the room has spent its daily token budget. */
export class BudgetExhaustedError extends AppError {
  constructor(roomId: string) {
    super({ name: 'BudgetExhaustedError', code: 'budget_exhausted', status: 429, message: `Room ${roomId} has used its token budget for today` });
  }
}

/** A participant acting on a reply that answers someone else (docs/decisions.md, "Who may stop what"). */
export class NotYourReplyError extends AppError {
  constructor(action: 'stop' | 'regenerate') {
    super({ name: 'NotYourReplyError', code: 'forbidden', status: 403, message: `You may ${action} only the replies to your own messages` });
  }
}

/** Who acts on replies through the API: a participant of the room, or the service (no limits). */
export interface ReplyActor {
  id: string;
  name: string;
}

const BUDGET_NOTICE = 'This room has used its token budget for today, so the agents will not answer until tomorrow.';

/**
 * Rounds (docs/architecture.md §5): a human message selects its speakers and queues their runs with
 * it; this process (and any other sharing the database) claims runs and streams the replies
 * concurrently; replies that @mention another agent hand off, within the room's turn cap and
 * token budget, and a cap that stops a round leaves a visible system notice.
 */
export class Orchestrator {
  private readonly options: OrchestratorOptions;
  private readonly active = new Map<string, ActiveReply>();
  private readonly live = new Map<string, ReplyEmitter>();
  private readonly unsubscribers: Array<() => Promise<void>> = [];
  private readonly finished = new Set<Promise<unknown>>();
  private readonly summaries: SessionSummaries;
  /** Rooms whose next run waits for a reservation to come back (skipped when claiming until then). */
  private readonly waitingForBudget = new Set<string>();
  private pollTimer: NodeJS.Timeout | undefined;
  private claiming = false;
  private claimAgain = false;
  private stopped = false;

  constructor(
    private readonly deps: OrchestratorDependencies,
    options: Partial<OrchestratorOptions> & { instanceId?: string } = {},
  ) {
    this.options = { ...DEFAULT_ORCHESTRATOR_OPTIONS, instanceId: `chorus-${randomUUID().slice(0, 8)}`, ...options };
    this.summaries = new SessionSummaries(
      { store: deps.store, bus: deps.bus, summarizer: deps.summarizer ?? offlineSummarizer, log: deps.log, onQuiet: (roomId) => this.releaseAgents(roomId) },
      { quietMs: this.options.summaryQuietMs, maxMessages: this.options.summaryMaxMessages },
    );
  }

  /** Listens for work queued by any process, recovers expired leases, and starts claiming. */
  async start(): Promise<void> {
    this.unsubscribers.push(
      await this.deps.store.runs.onRunsQueued((roomId) => {
        this.waitingForBudget.delete(roomId); // queued work or a settled reservation: try the room again
        this.wake();
      }),
    );
    this.unsubscribers.push(await this.deps.store.runs.onStop((request) => this.abortLocal(request)));
    this.pollTimer = setInterval(() => {
      this.waitingForBudget.clear();
      this.recover().catch((error: unknown) => this.deps.log('error', 'orchestrator.recover_failed', { error }));
      this.wake();
    }, this.options.pollIntervalMs);
    this.pollTimer.unref();
    await this.recover();
    this.wake();
  }

  /**
   * Stops every reply this process streams (they end `interrupted`, text kept) and waits for
   * them; drops the rooms' quiet timers (a room summarizes when it is next active and quiet).
   */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    for (const reply of this.active.values()) reply.controller.abort(SHUTDOWN);
    await Promise.allSettled([...this.finished]);
    await this.summaries.close();
    await Promise.all(this.unsubscribers.splice(0).map((unsubscribe) => unsubscribe()));
  }

  /** The room's settings over the server's defaults. */
  settingsOf(room: Room): RoomSettings {
    return resolveRoomSettings(room.settings, this.options.roomDefaults);
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
   * no agent answers; the room is told so once a day.
   */
  async postMessage(input: { room: Room; id: string; author: Author; content: string }): Promise<{ message: Message; created: boolean }> {
    const { room } = input;
    const settings = this.settingsOf(room);
    const agents = this.agentsOf(room);
    const withinBudget = await this.withinBudget(room.id, settings);
    const speakers = withinBudget ? selectSpeakers(input.content, agents, settings, this.deps.personas.defaultPersona) : [];
    const runs: NewRun[] = speakers.map((speaker) => ({ agentId: speaker.persona.handle, reason: speaker.reason }));
    const posted = await postHumanMessage(this.deps.store, { id: input.id, roomId: room.id, author: input.author, content: input.content, runs });
    if (!posted.created) return posted;
    this.summaries.touch(room.id);
    await this.deps.bus.broadcast(room.id, 'message', { message: posted.message }).catch((error: unknown) =>
      this.deps.log('warn', 'orchestrator.broadcast_failed', { roomId: room.id, event: 'message', error }),
    );
    if (!withinBudget) await this.budgetNotice(room.id, posted.message.id);
    this.wake();
    return posted;
  }

  /**
   * Regenerates an agent's reply: the same agent answers the same message again. A participant
   * (`actor`) may regenerate only replies to their own messages; the service, any.
   */
  async regenerate(room: Room, messageId: string, actor?: ReplyActor): Promise<{ messageId: string }> {
    const message = await this.deps.store.transcript.getMessage(messageId);
    if (!message || message.roomId !== room.id || message.author.kind !== 'agent' || !message.replyTo) throw new NotFoundError(`Agent reply ${messageId}`);
    if (actor && !(await this.answers(message.replyTo, actor))) throw new NotYourReplyError('regenerate');
    if (message.status === 'streaming') throw new AppError({ code: 'still_streaming', status: 409, message: 'This reply is still streaming; stop it first' });
    if (!this.agentsOf(room).some((persona) => persona.handle === message.author.id)) {
      throw new AppError({ code: 'agent_not_in_room', status: 409, message: `${message.author.name} no longer answers in this room` });
    }
    if (!(await this.withinBudget(room.id, this.settingsOf(room)))) throw new BudgetExhaustedError(room.id);
    const [run] = await this.deps.store.runs.enqueueRuns({ roomId: room.id, triggerMessageId: message.replyTo, runs: [{ agentId: message.author.id, reason: 'regenerate' }] });
    this.wake();
    return { messageId: run!.messageId };
  }

  /**
   * Stops replies in a room (by message, agent, or all), here and in every other process. A
   * participant (`actor`) stops only replies to their own messages: naming another's reply is
   * {@link NotYourReplyError}, and an agent or `all` stops just theirs. Stopped replies show who
   * stopped them.
   */
  async stop(request: StopRequest, actor?: ReplyActor): Promise<void> {
    if (actor && 'messageId' in request) {
      const reply = await this.deps.store.transcript.getMessage(request.messageId);
      if (reply?.roomId === request.roomId && reply.replyTo && !(await this.answers(reply.replyTo, actor))) throw new NotYourReplyError('stop');
    }
    const scoped: StopRequest = actor ? { ...request, by: { id: actor.id, name: actor.name }, repliesTo: actor.id } : request;
    await this.deps.store.runs.cancelQueuedRuns({
      roomId: scoped.roomId,
      ...('agentId' in scoped ? { agentId: scoped.agentId } : {}),
      ...('messageId' in scoped ? { messageId: scoped.messageId } : {}),
      ...(scoped.repliesTo ? { repliesTo: scoped.repliesTo } : {}),
    });
    this.abortLocal(scoped);
    await this.deps.store.runs.publishStop(scoped);
    await this.deps.store.audit.appendEvent({ roomId: scoped.roomId, kind: 'reply.stopped', actor: actor?.id ?? null, data: { ...scoped } });
  }

  /** Whether `messageId` (the message a reply answers) was written by `actor`. */
  private async answers(messageId: string, actor: ReplyActor): Promise<boolean> {
    const question = await this.deps.store.transcript.getMessage(messageId);
    return question?.author.id === actor.id;
  }

  /** The live state of a reply this process is streaming (for catch-up), or undefined. */
  liveMessage(message: Message): Message {
    const emitter = this.live.get(message.id);
    return emitter ? { ...message, ...emitter.snapshot } : message;
  }

  /**
   * A quiet room whose people have all left: its agents leave its presence (docs/architecture.md §7: a
   * room's channels are held only while it is active). False while people are still there.
   */
  private async releaseAgents(roomId: string): Promise<boolean> {
    const present = await this.deps.bus.presence(roomId);
    if (present.some((entry) => entry.meta['kind'] !== 'agent')) return false;
    const tracked = new Set(present.map((entry) => entry.key));
    const leaving = this.deps.personas.personas.filter((persona) => tracked.has(persona.handle));
    await Promise.all(leaving.map((persona) => this.deps.bus.untrackAgent(roomId, persona.handle)));
    if (leaving.length > 0) this.deps.log('debug', 'orchestrator.agents_left', { roomId, agents: leaving.map((persona) => persona.handle) });
    return true;
  }

  /** Shows a room's agents in its presence, idle (when someone opens the room). */
  async showAgents(room: Room): Promise<void> {
    this.summaries.touch(room.id);
    await Promise.all(
      this.agentsOf(room).map((persona) =>
        this.deps.bus.trackAgent(room.id, persona.handle, { name: persona.name, color: persona.color, status: this.statusOf(room.id, persona.handle) }),
      ),
    );
  }

  private statusOf(roomId: string, handle: string): 'idle' | 'streaming' {
    return [...this.active.values()].some((reply) => reply.run.roomId === roomId && reply.run.agentId === handle) ? 'streaming' : 'idle';
  }

  private abortLocal(request: StopRequest): void {
    for (const { run, controller } of this.active.values()) {
      if (run.roomId !== request.roomId) continue;
      if (request.repliesTo !== undefined && run.triggerAuthorId !== request.repliesTo) continue;
      if ('all' in request || ('agentId' in request && run.agentId === request.agentId) || ('messageId' in request && run.messageId === request.messageId)) {
        controller.abort(new ReplyStopped(request.by ?? null));
      }
    }
  }

  /** Whether the room has spent less than its budget today (runs in flight may still fit after it). */
  private async withinBudget(roomId: string, settings: RoomSettings): Promise<boolean> {
    const { used } = await this.deps.store.budget.getTokenBudget(roomId);
    return used < settings.tokensPerDay;
  }

  /** Tells the room its budget is used, once a day whichever process notices first. */
  private async budgetNotice(roomId: string, replyTo: string): Promise<void> {
    if (await this.deps.store.budget.claimBudgetNotice(roomId)) await this.notice(roomId, BUDGET_NOTICE, replyTo);
  }

  private async notice(roomId: string, content: string, replyTo: string | null): Promise<void> {
    const message = await this.deps.store.transcript.insertSystemMessage({ roomId, content, replyTo });
    await this.deps.bus.broadcast(roomId, 'message', { message }).catch(() => {});
  }

  /** Claims queued runs up to the concurrency limit; called on every reason there may be work. */
  private wake(): void {
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
          for (const run of runs) this.startReply(run);
          if (runs.length === capacity) this.claimAgain = true;
        } while (this.claimAgain && !this.stopped);
      } catch (error) {
        this.deps.log('error', 'orchestrator.claim_failed', { error });
      } finally {
        this.claiming = false;
      }
    })();
  }

  private startReply(run: AgentRun): void {
    const controller = new AbortController();
    this.active.set(run.id, { run, controller });
    const done = this.reply(run, controller)
      .catch((error: unknown) => this.deps.log('error', 'orchestrator.run_failed', { runId: run.id, error }))
      .finally(() => {
        this.active.delete(run.id);
        this.finished.delete(done);
        this.wake();
      });
    this.finished.add(done);
  }

  private async reply(run: AgentRun, controller: AbortController): Promise<void> {
    const { store, bus, personas, log } = this.deps;
    const { instanceId, leaseMs } = this.options;
    const persona = personas.find(run.agentId);
    const room = await store.rooms.getRoom(run.roomId);
    if (!persona || !room) {
      await store.runs.finishRun(run.id, instanceId, 'failed', persona ? 'room not found' : `no persona @${run.agentId}`);
      return;
    }
    const lease = setInterval(() => {
      store.runs.renewLease(run.id, instanceId, leaseMs).then(
        (kept) => kept || controller.abort(), // another process recovered it: stop writing
        (error: unknown) => log('warn', 'orchestrator.lease_renew_failed', { runId: run.id, error }),
      );
    }, leaseMs / 3);
    let usage = { inputTokens: 0, outputTokens: 0 };
    try {
      const agents = this.agentsOf(room);
      const settings = this.settingsOf(room);
      const history = await store.transcript.recentMessages(room.id, this.options.contextMessages);
      const context = run.reason === 'regenerate' ? upTo(history, run.triggerMessageId) : history;
      const summary = await this.summaries.latest(room.id);
      const system = buildSystemPrompt(persona, agents.filter((agent) => agent !== persona), summary);
      const turns = buildTurns(context, persona, this.options.contextTokenBudget);
      const maxOutputTokens = persona.maxOutputTokens ?? this.options.maxOutputTokens;
      const reserve = (tokens: number) => store.budget.reserveTokens({ roomId: room.id, runId: run.id, tokens, budget: settings.tokensPerDay });
      const toolSpecs = persona.tools.length > 0 ? this.deps.tools.specs(persona.tools) : [];
      const reservation = await reserve(estimateRequestTokens(system, turns, toolSpecs) + maxOutputTokens);
      if (reservation !== 'reserved') {
        await this.holdBack(run, reservation);
        return;
      }
      const outcome = await runReply(
        {
          run,
          persona,
          model: this.deps.modelFor(persona),
          system,
          turns,
          settings: { maxOutputTokens, ...(persona.temperature === undefined ? {} : { temperature: persona.temperature }) },
          signal: controller.signal,
        },
        {
          store,
          bus,
          tools: this.deps.tools,
          log,
          options: this.options,
          reserve,
          onLive: (messageId, emitter) => (emitter ? this.live.set(messageId, emitter) : this.live.delete(messageId)),
          setStatus: (status) =>
            bus.trackAgent(room.id, persona.handle, { name: persona.name, color: persona.color, status }).catch((error: unknown) => {
              // A status still on its way when the server shuts down is expected to be dropped.
              if (!(error instanceof RoomBusClosedError)) log('warn', 'orchestrator.presence_failed', { roomId: room.id, error });
            }),
        },
      );
      const final = outcome.message;
      usage = final.usage ?? usage;
      if (!outcome.saved) return; // left to recovery, which finishes the row once the lease has expired
      const runStatus = final.status === 'complete' ? 'done' : final.status === 'cancelled' ? 'cancelled' : 'failed';
      await store.runs.finishRun(run.id, instanceId, runStatus, final.error);
      this.summaries.touch(room.id);
      if (final.status === 'complete') await this.handOff(room, run, persona, final, agents);
      else if (final.error === BUDGET_ERROR) await this.budgetNotice(room.id, run.triggerMessageId);
    } finally {
      clearInterval(lease);
      await store.budget.settleTokens({ roomId: run.roomId, runId: run.id, usage }).catch((error: unknown) => log('error', 'orchestrator.settle_failed', { runId: run.id, error }));
    }
  }

  /**
   * A run the budget cannot fit: it waits in the queue while other runs of the room hold
   * reservations that may come back (`wait`), or is cancelled when nothing is in flight and it
   * still does not fit (`exhausted`); the room is told once a day.
   */
  private async holdBack(run: AgentRun, reservation: Exclude<TokenReservation, 'reserved'>): Promise<void> {
    if (reservation === 'wait') {
      this.waitingForBudget.add(run.roomId);
      await this.deps.store.runs.requeueRun(run.id, this.options.instanceId);
      return;
    }
    await this.deps.store.runs.finishRun(run.id, this.options.instanceId, 'cancelled', 'token budget used for today');
    await this.budgetNotice(run.roomId, run.triggerMessageId);
  }

  /** Queues the agents a reply @mentions, within the room's agent-turn cap and token budget. */
  private async handOff(room: Room, run: AgentRun, speaker: Persona, reply: Message, agents: Persona[]): Promise<void> {
    const round = await this.deps.store.runs.listRuns(run.triggerMessageId);
    const spoke = new Set(round.map((entry) => entry.agentId));
    const next = selectHandoffs(reply.content, speaker, agents, spoke);
    if (next.length === 0) return;
    const settings = this.settingsOf(room);
    if (run.depth + 1 > settings.maxAgentTurns) {
      await this.notice(room.id, `The agents stopped handing over to each other after ${settings.maxAgentTurns} turns. Send a message to continue.`, reply.id);
      return;
    }
    if (!(await this.withinBudget(room.id, settings))) {
      await this.budgetNotice(room.id, reply.id);
      return;
    }
    await this.deps.store.runs.enqueueRuns({
      roomId: room.id,
      triggerMessageId: run.triggerMessageId,
      runs: next.map((persona) => ({ agentId: persona.handle, reason: 'handoff', depth: run.depth + 1 })),
    });
    this.wake();
  }

  /** Finishes runs whose lease expired (a crashed process) and tells the room; re-runs those that never started. */
  private async recover(): Promise<void> {
    const recovered = await this.deps.store.runs.recoverExpiredRuns({ agentName: (handle) => this.deps.personas.find(handle)?.name ?? handle });
    for (const { run, message, requeued } of recovered) {
      this.deps.log('warn', 'orchestrator.run_recovered', { roomId: run.roomId, messageId: run.messageId, requeued });
      if (message) await this.deps.bus.broadcast(message.roomId, 'message-end', { message }).catch(() => {});
    }
    if (recovered.some((entry) => entry.requeued)) this.wake();
  }
}

/** The messages up to and including `messageId` (a regenerated reply sees what the original saw). */
function upTo(messages: Message[], messageId: string): Message[] {
  const index = messages.findIndex((message) => message.id === messageId);
  return index === -1 ? messages : messages.slice(0, index + 1);
}
