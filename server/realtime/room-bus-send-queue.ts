import { BroadcastError, type BroadcastPayload } from './room-bus.ts';

/** What one send of one message came to, as realtime-js reports an acknowledged push. */
export type SendOutcome = 'ok' | 'timed out' | 'error';

/** Where a {@link RoomSendQueue} sends: the room's channel, whichever one is current. */
export interface SendLink {
  /** True when a send issued now goes out on a joined channel (never a REST fallback). */
  canSend(): boolean;
  /** Sends one message; resolves with the server's acknowledgement (or its absence). */
  send(event: string, payload: BroadcastPayload): Promise<SendOutcome>;
}

export interface SendQueueOptions {
  /** Messages a room holds (sent but unacknowledged, plus waiting); further callers wait for room. */
  capacity: number;
  /** Messages sent and not yet acknowledged at one time (1 = stop-and-wait). */
  maxInFlight: number;
  /** Sends of one message that may fail or time out before it is rejected. */
  maxAttempts: number;
  /** Pause after a failed send before the room's messages go out again. */
  retryDelayMs: number;
  /** Longest a message may wait, from admission to acknowledgement, before it is rejected. */
  deliveryTimeoutMs: number;
}

export interface SendQueueStats {
  /** Admitted messages not yet settled (at most `capacity`). */
  queued: number;
  /** Sent and awaiting acknowledgement. */
  inFlight: number;
  /** Callers waiting for room in the queue. */
  waiting: number;
  /** The most messages ever admitted at once. */
  highWater: number;
}

interface Entry {
  readonly event: string;
  readonly payload: BroadcastPayload;
  /** Sends that failed or timed out. */
  attempts: number;
  deadline: number;
  /** The id of the send in flight, or null when the message is waiting to go out. */
  sending: number | null;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * One room's outbound messages: a bounded, back-pressured FIFO that sends in order over a
 * {@link SendLink} and settles each caller with the server's acknowledgement.
 *
 * - Up to `maxInFlight` messages are sent before the first is acknowledged (pipelining over one
 *   ordered socket). Sends are issued only in queue order, so the wire order is the call order.
 * - When the link goes down, what was in flight may or may not have arrived (a prefix of it did):
 *   every unacknowledged message goes out again from the first one, in order, after the rejoin
 *   (go-back-N). Receivers may see some messages twice, never a later one before an earlier one's
 *   first copy; they deduplicate by `seq`. These resends are not counted as attempts.
 * - When one send fails or times out on a live link (the server refused or dropped that message),
 *   that message alone is sent again after `retryDelayMs`, before any message not yet sent. With
 *   `maxInFlight > 1`, messages already sent behind it may then arrive before its resend (a
 *   receiver sees a gap and repairs it); `maxInFlight: 1` keeps strict order at one round trip
 *   per message.
 * - A message is rejected with a {@link BroadcastError} after `maxAttempts` failed sends, or
 *   when it has not been acknowledged `deliveryTimeoutMs` after admission (for instance while
 *   the connection is down). Nothing is dropped without its caller hearing of it.
 *
 * @example
 * const queue = new RoomSendQueue('lobby', link, options);
 * link.onJoined = () => queue.resume();
 * link.onDown = () => queue.interrupt();
 * await queue.enqueue('text-delta', { id, seq: 1, delta: 'Hi' });
 */
export class RoomSendQueue {
  /** Admitted, unsettled messages, in call order (which is also the order they are sent in). */
  private readonly entries: Entry[] = [];
  /** Callers waiting for room, in call order; admitted one by one as entries settle. */
  private readonly waiting: Entry[] = [];
  private inFlight = 0;
  private highWater = 0;
  private nextSendId = 1;
  private pausedUntil = 0;
  /** Sends with a smaller id went out on a link that has since gone down. */
  private lostBefore = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly idleListeners = new Set<() => void>();

  constructor(
    private readonly roomId: string,
    private readonly link: SendLink,
    private readonly options: SendQueueOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Queues a message; resolves when the server acknowledged it, rejects when it was given up. */
  enqueue(event: string, payload: BroadcastPayload): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = {
        event,
        payload,
        attempts: 0,
        deadline: Infinity,
        sending: null,
        resolve,
        reject,
      };
      if (this.waiting.length === 0 && this.entries.length < this.options.capacity)
        this.admit(entry);
      else this.waiting.push(entry);
      this.pump();
    });
  }

  /** The link is (again) joined: send what is waiting. */
  resume(): void {
    this.pump();
  }

  /**
   * The link went down: the acknowledgements of messages in flight will never come, so they go
   * out again (from the first unacknowledged one) once the link is back. Not counted as attempts.
   *
   * Acknowledgements that arrived just before the drop, in the same socket read, are still on
   * their way through realtime-js's promise callbacks when it reports the drop: the reset waits
   * for them (one macrotask) so that delivered messages are not sent twice. Failures of the sends
   * made before the drop (timeouts, `unmatched topic` replies) are not counted as attempts.
   */
  interrupt(): void {
    const cutoff = this.nextSendId;
    this.lostBefore = cutoff;
    setImmediate(() => {
      for (const entry of this.entries) {
        if (entry.sending === null || entry.sending >= cutoff) continue;
        entry.sending = null;
        this.inFlight -= 1;
      }
      this.pump();
    });
  }

  /** Rejects every message, admitted or waiting (the room could not be joined, or is closing). */
  failAll(error: Error): void {
    const all = [...this.entries, ...this.waiting];
    this.entries.length = 0;
    this.waiting.length = 0;
    this.inFlight = 0;
    for (const entry of all) entry.reject(error);
    this.afterSettle();
  }

  /** True when nothing is queued, in flight or waiting for room. */
  get idle(): boolean {
    return this.entries.length === 0 && this.waiting.length === 0;
  }

  /** Resolves once the queue is idle (every message acknowledged or rejected). */
  drained(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => {
      const listener = () => {
        this.idleListeners.delete(listener);
        resolve();
      };
      this.idleListeners.add(listener);
    });
  }

  /** Calls `listener` every time the queue becomes idle. */
  onIdle(listener: () => void): void {
    this.idleListeners.add(listener);
  }

  stats(): SendQueueStats {
    return {
      queued: this.entries.length,
      inFlight: this.inFlight,
      waiting: this.waiting.length,
      highWater: this.highWater,
    };
  }

  private admit(entry: Entry): void {
    entry.deadline = this.now() + this.options.deliveryTimeoutMs;
    this.entries.push(entry);
    this.highWater = Math.max(this.highWater, this.entries.length);
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    this.expire(now);
    if (now < this.pausedUntil || !this.link.canSend()) {
      this.wakeAt(now);
      return;
    }
    for (const entry of this.entries) {
      if (this.inFlight >= this.options.maxInFlight) break;
      if (entry.sending === null) this.dispatch(entry);
    }
  }

  /** Rejects the messages waiting to go out whose delivery deadline has passed. */
  private expire(now: number): void {
    for (const entry of [...this.entries]) {
      if (entry.sending !== null || now < entry.deadline) continue;
      const detail =
        entry.attempts === 0
          ? `not sent within ${this.options.deliveryTimeoutMs} ms (the channel was not joined)`
          : `not acknowledged within ${this.options.deliveryTimeoutMs} ms`;
      this.settle(
        entry,
        new BroadcastError(this.roomId, entry.event, 'expired', entry.attempts, detail),
      );
    }
  }

  /** Arms the timer for the next moment something can change without an event: a pause ends, a deadline passes. */
  private wakeAt(now: number): void {
    let next = now < this.pausedUntil ? this.pausedUntil : Infinity;
    for (const entry of this.entries)
      if (entry.sending === null) next = Math.min(next, entry.deadline);
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
    this.timer.unref();
  }

  private dispatch(entry: Entry): void {
    const sendId = this.nextSendId++;
    entry.sending = sendId;
    this.inFlight += 1;
    let outcome: Promise<SendOutcome>;
    try {
      outcome = this.link.send(entry.event, entry.payload);
    } catch {
      outcome = Promise.resolve('error');
    }
    outcome.then(
      (result) => this.onOutcome(entry, sendId, result),
      () => this.onOutcome(entry, sendId, 'error'),
    );
  }

  private onOutcome(entry: Entry, sendId: number, outcome: SendOutcome): void {
    if (entry.sending !== sendId) return; // a send abandoned by interrupt() (go-back-N), or settled
    entry.sending = null;
    this.inFlight -= 1;
    if (outcome === 'ok') {
      this.settle(entry);
      this.pump();
      return;
    }
    if (sendId < this.lostBefore) {
      this.pump(); // lost with its link, not refused: it goes out again after the rejoin
      return;
    }
    // This message failed on its own (the others' acknowledgements still come). It goes out
    // again, first, after a pause that holds back the messages not yet sent.
    entry.attempts += 1;
    if (entry.attempts >= this.options.maxAttempts) {
      const detail =
        outcome === 'timed out' ? 'the server did not acknowledge it' : 'the server refused it';
      this.settle(
        entry,
        new BroadcastError(this.roomId, entry.event, outcome, entry.attempts, detail),
      );
    } else if (this.now() >= entry.deadline) {
      const detail = `not acknowledged within ${this.options.deliveryTimeoutMs} ms`;
      this.settle(
        entry,
        new BroadcastError(this.roomId, entry.event, 'expired', entry.attempts, detail),
      );
    }
    this.pausedUntil = this.now() + this.options.retryDelayMs;
    this.pump();
  }

  private settle(entry: Entry, error?: Error): void {
    const index = this.entries.indexOf(entry);
    if (index < 0) return;
    this.entries.splice(index, 1);
    if (entry.sending !== null) this.inFlight -= 1;
    entry.sending = null;
    while (this.waiting.length > 0 && this.entries.length < this.options.capacity)
      this.admit(this.waiting.shift()!);
    if (error) entry.reject(error);
    else entry.resolve();
    this.afterSettle();
  }

  private afterSettle(): void {
    if (!this.idle) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const listener of [...this.idleListeners]) listener();
  }
}
