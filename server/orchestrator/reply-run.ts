// One agent's reply, from the model call to its final write (docs/architecture.md §5).
// Why one file: the stream loop, tool calls, checkpoints, stop and error handling all act on one
// reply's running state; coalescing (coalescer.ts) and context (context.ts) are separate.
import type { Message, MessageStatus, TokenUsage } from '../../protocol/room.ts';
import type { ReplyErrorCode } from '../../protocol/schemas/message.ts';
import { abortableSleep } from '../lib/abortable-sleep.ts';
import type { Logger } from '../lib/logger.ts';
import type {
  ChatModel,
  ChatRequest,
  ChatStreamPart,
  ChatToolCall,
  ChatTurn,
} from '../providers/chat-model.ts';
import { replyErrorCode, type ProviderError } from '../providers/provider-error.ts';
import { citedSources, passagesIn, type FoundPassage } from '../knowledge/citations.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import type { Knowledge } from '../store/knowledge.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { TokenReservation } from '../store/budget.ts';
import type { AgentRun } from '../store/run-queue.ts';
import type { Transcript } from '../store/transcript.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import { DeltaCoalescer } from './coalescer.ts';
import { estimateRequestTokens } from './context.ts';
import type { Persona } from './persona-file.ts';
import type { ReplyCheckpoints } from './reply-checkpoints.ts';
import { ReplyEmitter } from './reply-emitter.ts';

export interface ReplyRunOptions {
  coalesceWindowMs: number;
  coalesceMaxChars: number;
  checkpointIntervalMs: number;
  maxToolSteps: number;
  /** Attempts per model call before the first token of that call (1 = no retry). */
  maxAttempts: number;
  retryBaseDelayMs: number;
}

export interface ReplyRunInput {
  run: AgentRun;
  persona: Persona;
  model: ChatModel;
  system: string;
  turns: ChatTurn[];
  /** The persona's call settings, sent with every model call of the reply. */
  settings: Pick<ChatRequest, 'temperature' | 'maxOutputTokens'>;
  signal: AbortSignal;
}

export interface ReplyRunDependencies {
  /** Where the reply is written as it streams, and what its tools do is recorded. */
  store: {
    transcript: Pick<Transcript, 'startAgentMessage' | 'finishAgentMessage' | 'searchMessages'>;
    audit: Pick<AuditLog, 'appendEvent'>;
    /** Knowledge sources, for `search_knowledge` (docs/architecture.md §12); absent: none. */
    knowledge?: Pick<Knowledge, 'search'>;
  };
  bus: RoomBus;
  tools: ToolRegistry;
  log: Logger;
  options: ReplyRunOptions;
  /** Writes the reply so far about once a second, with the process's other replies. */
  checkpoints: Pick<ReplyCheckpoints, 'track'>;
  /**
   * Reserves tokens of the room's budget for a further model call (after tool results). The first
   * call's reservation is the caller's: a run that does not fit never starts.
   */
  reserve(tokens: number): Promise<TokenReservation>;
  /** Called with the emitter once the reply exists, so in-flight state can be served to late joiners. */
  onLive(messageId: string, emitter: ReplyEmitter | null): void;
  /**
   * The agent's presence status at turn boundaries. Advisory: the reply never waits for it
   * (hosted Realtime allows a channel 5 presence changes per 30 s, and a reply makes three).
   */
  setStatus(status: 'thinking' | 'streaming' | 'idle'): Promise<void>;
}

/** Why a reply stopped when a participant stopped it: who did, shown on the reply. */
export class ReplyStopped {
  constructor(readonly by: { id: string; name: string } | null) {}
}

/** The error code of a reply cut short because the room's budget cannot fit its next model call. */
export const BUDGET_ERROR: ReplyErrorCode = 'budget_exhausted';

export interface ReplyOutcome {
  /** The final message, as broadcast in `message-end`. */
  message: Message;
  /** False when the final write failed and the stored row is still `streaming`. */
  saved: boolean;
  /** For a failed reply, what went wrong in the server's words: for the run's row and the logs, never the message. */
  errorDetail: string | null;
}

/**
 * Streams one agent reply from start to `message-end` (docs/architecture.md §4–§5): inserts it as
 * `streaming`, broadcasts `message-start`, streams the model's parts coalesced and numbered,
 * runs tool calls (at most `maxToolSteps` rounds), checkpoints at most once per interval, and
 * finalises once: `complete`, `cancelled` (stopped; the partial text kept) or `error` (after the
 * first token, or when retries before it ran out). A final write that fails does not wedge the
 * reply: `message-end` still goes out with what was streamed, and `saved` says the row was not
 * finished (the run's lease then expires and recovery finishes it).
 */
export async function runReply(
  input: ReplyRunInput,
  deps: ReplyRunDependencies,
): Promise<ReplyOutcome> {
  const { run, persona, model, signal } = input;
  const { store, bus, tools, log, options } = deps;
  const author = { kind: 'agent' as const, id: persona.handle, name: persona.name };
  // Live before the row exists: whoever can read the streaming row (on any connection) also gets
  // the live state, so a late joiner's snapshot and the deltas after it never leave a gap.
  const emitter = new ReplyEmitter(bus, run.roomId, run.messageId, log);
  deps.onLive(run.messageId, emitter);
  const started = await store.transcript
    .startAgentMessage({
      id: run.messageId,
      roomId: run.roomId,
      author,
      replyTo: run.triggerMessageId,
      reason: run.reason,
      model: persona.model,
    })
    .catch((failure: unknown) => {
      deps.onLive(run.messageId, null);
      throw failure;
    });
  void emitter.send('message-start', {
    id: started.id,
    roomId: started.roomId,
    ...(started.position === undefined ? {} : { position: started.position }),
    author,
    replyTo: started.replyTo,
    reason: run.reason,
    model: started.model,
    ...(started.versionOf ? { versionOf: started.versionOf } : {}),
    createdAt: started.createdAt,
  });
  void deps.setStatus('thinking');

  const untrack = deps.checkpoints.track(run.messageId, () => emitter.snapshot);

  const coalescer = new DeltaCoalescer((kind, text) => emitter.emit(kind, { delta: text }), {
    windowMs: options.coalesceWindowMs,
    maxChars: options.coalesceMaxChars,
  });
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  let status: Exclude<MessageStatus, 'streaming'> = 'complete';
  let error: ReplyErrorCode | null = null;
  let errorDetail: string | null = null;
  let streaming = false;
  /** The passages this reply's searches found, and whether the model named its own sources. */
  const found: FoundPassage[] = [];
  let modelCited = false;
  const tokenLimit = input.settings.maxOutputTokens ?? 0;

  try {
    const turns = [...input.turns];
    const toolSpecs = persona.tools.length > 0 ? tools.specs(persona.tools) : [];
    for (let step = 0; step <= options.maxToolSteps; step += 1) {
      const calls: ChatToolCall[] = [];
      let stepText = '';
      const request = {
        model: persona.model,
        system: input.system,
        turns,
        tools: step < options.maxToolSteps ? toolSpecs : [],
        ...input.settings,
        signal,
        context: {
          roomId: run.roomId,
          runId: run.messageId,
          agent: { handle: persona.handle, name: persona.name },
        },
      };
      if (
        step > 0 &&
        (await deps.reserve(
          estimateRequestTokens(request.system, request.turns, request.tools) + tokenLimit,
        )) !== 'reserved'
      ) {
        status = 'error';
        error = BUDGET_ERROR;
        errorDetail = 'the token budget cannot fit the next model call';
        break;
      }
      const failure = await streamWithRetry(model, request, options, signal, async (part) => {
        if (!streaming && (part.type === 'text-delta' || part.type === 'reasoning-delta')) {
          streaming = true;
          void deps.setStatus('streaming');
        }
        if (part.type === 'text-delta') {
          stepText += part.delta;
          await coalescer.push('text-delta', part.delta);
        } else if (part.type === 'reasoning-delta') {
          await coalescer.push('reasoning-delta', part.delta);
        } else if (part.type === 'tool-call') {
          await coalescer.flush();
          calls.push({
            callId: part.callId,
            name: part.name,
            args: part.args,
            ...(part.providerMetadata ? { providerMetadata: part.providerMetadata } : {}),
          });
          await emitter.emit('tool-call', {
            callId: part.callId,
            name: part.name,
            args: part.args,
          });
        } else if (part.type === 'source') {
          await coalescer.flush();
          modelCited = true;
          const { type: _type, ...source } = part;
          await emitter.emit('source', source);
        } else if (part.type === 'finish') {
          usage.inputTokens += part.usage.inputTokens;
          usage.outputTokens += part.usage.outputTokens;
        }
      });
      await coalescer.flush();
      if (signal.aborted) {
        status = stoppedStatus(signal);
        break;
      }
      if (failure) {
        status = 'error';
        error = replyErrorCode(failure);
        errorDetail = `${failure.provider}: ${failure.message}`;
        log('warn', 'orchestrator.provider_failed', {
          roomId: run.roomId,
          agent: persona.handle,
          provider: failure.provider,
          statusCode: failure.statusCode,
          code: error,
          error: failure.message,
        });
        break;
      }
      if (calls.length === 0) break;
      turns.push({ role: 'assistant', content: stepText, toolCalls: calls });
      for (const call of calls) {
        const outcome = !persona.tools.includes(call.name)
          ? { error: `${persona.name} has no tool named ${call.name}` }
          : await tools.run(call.name, call.args, {
              roomId: run.roomId,
              signal,
              now: () => new Date(),
              ...(store.knowledge
                ? { searchKnowledge: store.knowledge.search.bind(store.knowledge) }
                : {}),
              searchRoomHistory: async (query, limit) =>
                (await store.transcript.searchMessages(run.roomId, query, limit)).map(
                  (message) => ({
                    id: message.id,
                    authorName: message.author.name,
                    content: message.content,
                    createdAt: message.createdAt,
                  }),
                ),
            });
        await emitter.emit('tool-result', { callId: call.callId, ...outcome });
        if (call.name === 'search_knowledge') found.push(...(passagesIn(outcome) ?? []));
        turns.push({
          role: 'tool',
          callId: call.callId,
          name: call.name,
          content: JSON.stringify(outcome),
        });
        void store.audit.appendEvent({
          roomId: run.roomId,
          kind: 'tool.called',
          actor: persona.handle,
          data: { messageId: run.messageId, tool: call.name, failed: 'error' in outcome },
        });
      }
      if (signal.aborted) {
        status = stoppedStatus(signal);
        break;
      }
    }
  } catch (failure) {
    status = signal.aborted ? stoppedStatus(signal) : 'error';
    error = signal.aborted ? null : 'reply_failed';
    errorDetail = signal.aborted
      ? null
      : failure instanceof Error
        ? failure.message
        : String(failure);
    log('error', 'orchestrator.reply_failed', {
      roomId: run.roomId,
      agent: persona.handle,
      error: failure,
    });
  } finally {
    untrack();
    await coalescer.flush();
  }
  // A finished answer cites the passages it names (docs/architecture.md §12), unless the model
  // cited its own.
  if (status === 'complete' && !modelCited)
    for (const { type: _type, ...source } of citedSources(found, emitter.snapshot.content))
      await emitter.emit('source', source);

  const stoppedBy =
    status === 'cancelled' && signal.reason instanceof ReplyStopped ? signal.reason.by : null;
  const ending = { ...emitter.snapshot, status, usage, error, ...(stoppedBy ? { stoppedBy } : {}) };
  let saved = true;
  const final = await store.transcript
    .finishAgentMessage(run.messageId, ending)
    .catch((failure: unknown): Message => {
      // The reply still ends for everyone; its lease runs out and recovery finishes the row.
      saved = false;
      log('error', 'orchestrator.finish_failed', {
        roomId: run.roomId,
        messageId: run.messageId,
        error: failure,
      });
      return { ...started, ...ending, updatedAt: new Date().toISOString() };
    });
  await emitter.send('message-end', { message: final });
  deps.onLive(run.messageId, null);
  void deps.setStatus('idle');
  return { message: final, saved, errorDetail };
}

/** Why a reply stopped: someone asked (`cancelled`), or the server is shutting down (`interrupted`). */
export const SHUTDOWN = 'shutdown';
function stoppedStatus(signal: AbortSignal): 'cancelled' | 'interrupted' {
  return signal.reason === SHUTDOWN ? 'interrupted' : 'cancelled';
}

/**
 * Streams one model call, retrying a retryable failure with back-off while nothing has been
 * streamed by this call yet. Returns the failure it gave up on, or null.
 */
async function streamWithRetry(
  model: ChatModel,
  request: Parameters<ChatModel['stream']>[0],
  options: ReplyRunOptions,
  signal: AbortSignal,
  onPart: (part: Exclude<ChatStreamPart, { type: 'error' }>) => Promise<void>,
): Promise<ProviderError | null> {
  for (let attempt = 1; ; attempt += 1) {
    let produced = false;
    let failure: ProviderError | null = null;
    for await (const part of model.stream(request)) {
      if (part.type === 'error') {
        failure = part.error;
        break;
      }
      if (part.type !== 'finish') produced = true;
      await onPart(part);
    }
    if (!failure || signal.aborted) return null;
    if (produced || !failure.isRetryable || attempt >= options.maxAttempts) return failure;
    const backoff =
      failure.retryAfterMs ??
      options.retryBaseDelayMs * 2 ** (attempt - 1) * (0.8 + Math.random() * 0.4);
    await abortableSleep(Math.min(backoff, 30_000), signal);
    if (signal.aborted) return null;
  }
}
