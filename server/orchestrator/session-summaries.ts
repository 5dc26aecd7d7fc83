import type { Message } from '../../protocol/room.ts';
import type { Logger } from '../lib/logger.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { Summaries } from '../store/summaries.ts';
import type { Summarizer } from './summarizer.ts';

export interface SessionSummariesOptions {
  /** How long a room must be quiet (nothing posted or finished) before its session is summarized; 0 turns summaries off. */
  quietMs: number;
  /** The most messages one summary reads (the newest of the session). */
  maxMessages: number;
}

/**
 * Session summaries (PRODUCT.md, "The room and the agents"): a quiet timer per active room in
 * this process; when it fires, the room's messages since its last session are summarized,
 * stored once (several processes may race: the store keeps the first), broadcast as
 * `room-summary` and recorded in the audit log. Agents get the room's latest summary as memory.
 * The orchestrator also hears when a room went quiet (`onQuiet`), to let its agents leave.
 */
export class SessionSummaries {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly writing = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly deps: {
      store: { summaries: Summaries; audit: Pick<AuditLog, 'appendEvent'> };
      bus: RoomBus;
      summarizer: Summarizer;
      log: Logger;
      /** Called after each quiet check that found the room quiet; false asks to be called again after another quiet time. */
      onQuiet?: (roomId: string) => Promise<boolean>;
    },
    private readonly options: SessionSummariesOptions,
  ) {}

  /** Something was posted or finished in the room: its quiet time starts again. */
  touch(roomId: string, delayMs = this.options.quietMs): void {
    if (this.closed || this.options.quietMs <= 0) return;
    clearTimeout(this.timers.get(roomId));
    const timer = setTimeout(() => {
      this.timers.delete(roomId);
      const done = this.summarize(roomId)
        .catch((error: unknown) => this.deps.log('error', 'summary.failed', { roomId, error }))
        .finally(() => this.writing.delete(done));
      this.writing.add(done);
    }, delayMs);
    timer.unref();
    this.timers.set(roomId, timer);
  }

  /** The summary agents of `roomId` remember: that room's latest, never another's. */
  async latest(roomId: string): Promise<string | null> {
    return (await this.deps.store.summaries.latestSession(roomId))?.summary ?? null;
  }

  /** Drops every pending timer and waits for summaries being written. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.writing]);
  }

  private async summarize(roomId: string): Promise<void> {
    const { store, bus, summarizer, log } = this.deps;
    const messages = await store.summaries.unsummarizedMessages(roomId, this.options.maxMessages);
    // Another process may have had the last word (it holds the timer that matters): wait for it.
    const sinceLast =
      Date.now() - Math.max(0, ...messages.map((message) => Date.parse(message.updatedAt)));
    if (
      messages.some((message) => message.status === 'streaming') ||
      sinceLast < this.options.quietMs
    ) {
      this.touch(roomId, Math.max(50, this.options.quietMs - sinceLast));
      return;
    }
    if (this.deps.onQuiet && !(await this.deps.onQuiet(roomId))) this.touch(roomId);
    const spoken = messages.filter((message: Message) => message.author.kind !== 'system');
    if (spoken.length === 0 || this.closed) return;
    const previous = await store.summaries.latestSession(roomId);
    const summary = await summarizer.summarize(spoken, previous?.summary ?? null);
    const session = await store.summaries.addSession({
      roomId,
      messageIds: messages.map((message) => message.id),
      summary,
    });
    if (!session) return; // written by another process
    log('info', 'summary.written', { roomId, sessionId: session.id, messages: messages.length });
    await bus
      .broadcast(roomId, 'room-summary', { summary })
      .catch((error: unknown) =>
        log('warn', 'orchestrator.broadcast_failed', { roomId, event: 'room-summary', error }),
      );
    await store.audit.appendEvent({
      roomId,
      kind: 'session.summarized',
      data: {
        sessionId: session.id,
        messages: messages.length,
        startedAt: session.startedAt,
        endedAt: session.endedAt,
      },
    });
  }
}
