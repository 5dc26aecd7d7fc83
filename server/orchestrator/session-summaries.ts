import type { Message } from '../../protocol/room.ts';
import type { Logger } from '../lib/logger.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { RunQueue } from '../store/run-queue.ts';
import type { Summaries } from '../store/summaries.ts';
import type { Summarizer } from './summarizer.ts';

export interface SessionSummariesOptions {
  /** How long a room must be quiet (nothing posted or finished) before its session is summarized; 0 turns summaries off. */
  quietMs: number;
  /**
   * The shorter quiet time of a support conversation whose visitor has left (its people are
   * gone from presence); one whose visitor is still there waits `quietMs`.
   */
  conversationQuietMs: number;
  /** The most messages one summary reads (the newest of the session). */
  maxMessages: number;
}

/** The room a summary is for: a support conversation (`parentId` set) or a shared room. */
type SummaryRoom = { id: string; parentId: string | null };

/** How long a forced summary waits for replies still streaming before it looks again. */
const STREAMING_RECHECK_MS = 1000;

/**
 * Session summaries (PRODUCT.md, "The room and the agents"; docs/architecture.md §4): a quiet
 * timer per active room in this process. A session ends when its room has been quiet for
 * `quietMs`, when a support conversation's visitor has left and it has been quiet for
 * `conversationQuietMs`, or at once when a conversation is closed ({@link end}). Its messages
 * since the room's last session are summarized, stored once (several processes may race: the
 * store keeps the first), broadcast as `room-summary` and recorded in the audit log. Agents get
 * the room's latest summary as memory, that room's only. The orchestrator also hears when a room
 * went quiet (`onQuiet`), to let its agents leave; its answer says whether the people have left.
 */
export class SessionSummaries {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly writing = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly deps: {
      store: {
        summaries: Summaries;
        runs: Pick<RunQueue, 'listRuns'>;
        audit: Pick<AuditLog, 'appendEvent'>;
      };
      bus: RoomBus;
      summarizer: Summarizer;
      log: Logger;
      /** Called after each quiet check that found the room quiet: true when its people have all left (false asks to be called again after another quiet time). */
      onQuiet?: (roomId: string) => Promise<boolean>;
    },
    private readonly options: SessionSummariesOptions,
  ) {}

  /** Something was posted or finished in the room: its quiet time starts again. */
  touch(room: SummaryRoom, delayMs = this.quietOf(room)): void {
    this.schedule(room, delayMs, false);
  }

  /** The session ends now (a conversation was closed): summarized once its replies have finished. */
  end(room: SummaryRoom): void {
    this.schedule(room, 0, true);
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

  private quietOf(room: SummaryRoom): number {
    return room.parentId === null
      ? this.options.quietMs
      : Math.min(this.options.quietMs, this.options.conversationQuietMs);
  }

  private schedule(room: SummaryRoom, delayMs: number, ending: boolean): void {
    if (this.closed || this.options.quietMs <= 0) return;
    clearTimeout(this.timers.get(room.id));
    const timer = setTimeout(() => {
      this.timers.delete(room.id);
      const done = this.summarize(room, ending)
        .catch((error: unknown) =>
          this.deps.log('error', 'summary.failed', { roomId: room.id, error }),
        )
        .finally(() => this.writing.delete(done));
      this.writing.add(done);
    }, delayMs);
    timer.unref();
    this.timers.set(room.id, timer);
  }

  private async summarize(room: SummaryRoom, ending: boolean): Promise<void> {
    const { store, bus, summarizer, log } = this.deps;
    const roomId = room.id;
    // Replies still to come (queued, not begun) belong to this session too.
    const repliesDue = async (messages: readonly Message[]) => {
      const last = messages.findLast((message) => message.author.kind !== 'system');
      if (last === undefined) return false;
      const runs = await store.runs.listRuns(last.id);
      return runs.some((run) => run.status === 'queued' || run.status === 'running');
    };
    const messages = await store.summaries.unsummarizedMessages(roomId, this.options.maxMessages);
    if (
      messages.some((message) => message.status === 'streaming') ||
      (await repliesDue(messages))
    ) {
      this.schedule(room, ending ? STREAMING_RECHECK_MS : this.quietOf(room), ending);
      return;
    }
    // Another process may have had the last word (it holds the timer that matters): wait for it.
    const sinceLast =
      Date.now() - Math.max(0, ...messages.map((message) => Date.parse(message.updatedAt)));
    if (!ending && sinceLast < this.quietOf(room)) {
      this.touch(room, Math.max(50, this.quietOf(room) - sinceLast));
      return;
    }
    const everyoneLeft = this.deps.onQuiet ? await this.deps.onQuiet(roomId) : true;
    if (!everyoneLeft) {
      // A conversation whose visitor is still there: looked at again after another short quiet
      // time (they may leave), and summarized after the full one.
      if (!ending && sinceLast < this.options.quietMs) {
        this.touch(room, Math.min(this.quietOf(room), this.options.quietMs - sinceLast));
        return;
      }
      this.touch(room);
    }
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
