import { applyReplyEvent, type ReplyState } from '../../protocol/reply-snapshot.ts';
import type { RoomEvents, SequencedEventName } from '../../protocol/room.ts';
import type { Logger } from '../lib/logger.ts';
import type { RoomBus } from '../realtime/room-bus.ts';

type Body<Name extends SequencedEventName> = Omit<RoomEvents[Name], 'id' | 'seq'>;

/**
 * Numbers a reply's events (gapless `seq` from 1), applies each to the reply's state at once,
 * and sends them through the room bus one after another, in order. A failed broadcast is logged,
 * not fatal: Postgres is the record, broadcasts are hints (docs/architecture.md §3).
 */
export class ReplyEmitter {
  private state: ReplyState = { content: '', parts: [], seq: 0 };
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: RoomBus,
    private readonly roomId: string,
    readonly messageId: string,
    private readonly log: Logger,
  ) {}

  /** The reply as far as it has been emitted. */
  get snapshot(): ReplyState {
    return this.state;
  }

  /** Emits one sequenced event; resolves when it (and every earlier one) has been sent. */
  emit<Name extends SequencedEventName>(event: Name, body: Body<Name>): Promise<void> {
    const payload = { id: this.messageId, seq: this.state.seq + 1, ...body } as RoomEvents[Name];
    this.state = applyReplyEvent(this.state, event, payload);
    return this.send(event, payload);
  }

  /** Sends an unsequenced event (`message-end`) after everything emitted so far. */
  send(event: string, payload: Record<string, unknown>): Promise<void> {
    this.sending = this.sending.then(() =>
      this.bus.broadcast(this.roomId, event, payload).catch((error: unknown) => {
        this.log('warn', 'orchestrator.broadcast_failed', { roomId: this.roomId, event, error });
      }),
    );
    return this.sending;
  }

  /** Resolves when everything emitted so far has been sent. */
  settled(): Promise<void> {
    return this.sending;
  }
}
