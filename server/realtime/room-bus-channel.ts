import {
  REALTIME_SUBSCRIBE_STATES,
  type RealtimeChannel,
  type RealtimeChannelOptions,
} from '@supabase/realtime-js';
import type { Logger } from '../lib/logger.ts';
import { RoomJoinError, type BroadcastPayload, type PresenceMap } from './room-bus.ts';
import type { ConnectionLease } from './connection-pool.ts';
import type { SendOutcome } from './room-bus-send-queue.ts';

export interface ChannelLinkOptions {
  roomId: string;
  /** The channel name, `room:<roomId>`. */
  topic: string;
  config: NonNullable<RealtimeChannelOptions['config']>;
  /** Keep the channel's presence state (enables presence for this subscriber). */
  watchPresence: boolean;
  /** How long the first join may take before it fails with a {@link RoomJoinError}. */
  joinTimeoutMs: number;
  /**
   * Pause before a channel the server closed is joined again (realtime-js never rejoins those);
   * doubled for each further close in a row, up to 8 times, since such closes usually mean a
   * limit was hit.
   */
  rejoinDelayMs: number;
  log: Logger;
  /** Called on every successful join, the first and each rejoin after a drop. */
  onJoined(): void;
  /** Called when a joined channel stops being joined (socket dropped, channel errored or closed). */
  onDown(reason: Error): void;
  /** When set, called with every broadcast the channel receives (JSON-object payloads only). */
  onBroadcast?(event: string, payload: BroadcastPayload): void;
}

/** A join that held this long resets the back-off of server closes. */
const STABLE_JOIN_MS = 10_000;

type LinkState = 'joining' | 'joined' | 'down' | 'failed' | 'leaving' | 'left';

/**
 * One subscription to a room's channel over a pooled connection, kept joined until
 * {@link ChannelLink.leave}: realtime-js rejoins after a dropped socket on its own, and a channel
 * the server closed (a system error, which realtime-js does not rejoin) is joined again after
 * `rejoinDelayMs`. The first join either succeeds or fails with a {@link RoomJoinError}: at once
 * when the server refuses it, after `joinTimeoutMs` otherwise.
 *
 * @example
 * const link = new ChannelLink(pool.acquire('room:lobby'), { roomId, topic: 'room:lobby', config, ...hooks });
 * await link.joined;
 * await link.send('text-delta', { id, seq: 1, delta: 'Hi' }, 10_000);
 */
export class ChannelLink {
  /** Settles with the first join: resolves when joined, rejects with a {@link RoomJoinError}. */
  readonly joined: Promise<void>;
  private channel: RealtimeChannel | undefined;
  private state: LinkState = 'joining';
  private everJoined = false;
  private presenceSynced = false;
  private readonly syncWaiters = new Set<() => void>();
  private settleFirstJoin: { resolve(): void; reject(error: Error): void } | undefined;
  private joinTimer: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private lastError: Error | undefined;
  /** Server closes in a row (reset once a join has held for {@link STABLE_JOIN_MS}). */
  private closeStreak = 0;
  private joinedAt = 0;

  constructor(
    private readonly lease: ConnectionLease,
    private readonly options: ChannelLinkOptions,
  ) {
    this.joined = new Promise<void>(
      (resolve, reject) => (this.settleFirstJoin = { resolve, reject }),
    );
    this.joined.catch(() => {}); // the owner awaits it; never an unhandled rejection
    this.joinTimer = setTimeout(() => {
      const detail = this.lastError ? ` (last error: ${this.lastError.message})` : '';
      this.fail(
        new RoomJoinError(options.roomId, `timed out after ${options.joinTimeoutMs} ms${detail}`, {
          cause: this.lastError,
        }),
      );
    }, options.joinTimeoutMs);
    this.joinTimer.unref();
    this.open();
  }

  /** True when a push issued now goes out on the joined channel (realtime-js would otherwise fall back to REST). */
  canSend(): boolean {
    return (
      this.state === 'joined' && this.channel?.state === 'joined' && this.lease.client.isConnected()
    );
  }

  /** Sends an acknowledged broadcast. Call only when {@link ChannelLink.canSend} is true. */
  send(event: string, payload: BroadcastPayload, timeoutMs: number): Promise<SendOutcome> {
    if (!this.canSend() || !this.channel) return Promise.resolve('error');
    return this.channel.send(
      { type: 'broadcast', event, payload },
      { timeout: timeoutMs },
    ) as Promise<SendOutcome>;
  }

  /** Tracks this subscriber's presence meta (its key is the channel's `presence.key`). */
  track(meta: Record<string, unknown>, timeoutMs: number): Promise<SendOutcome> {
    if (!this.canSend() || !this.channel) return Promise.resolve('error');
    return this.channel.track(meta, { timeout: timeoutMs }) as Promise<SendOutcome>;
  }

  /** The room's presence as this subscriber last received it (`watchPresence` links only). */
  presenceState(): PresenceMap {
    return (this.channel?.presenceState() ?? {}) as PresenceMap;
  }

  /** Resolves once the presence state of the current join has arrived. */
  whenPresenceSynced(timeoutMs: number): Promise<void> {
    if (this.presenceSynced && this.canSend()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = () => {
        clearTimeout(timer);
        this.syncWaiters.delete(waiter);
        resolve();
      };
      const timer = setTimeout(() => {
        this.syncWaiters.delete(waiter);
        reject(new RoomJoinError(this.options.roomId, `no presence state within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      this.syncWaiters.add(waiter);
    });
  }

  /** Leaves the channel (the server drops its presence) and releases the connection slot. */
  async leave(): Promise<void> {
    if (this.state !== 'leaving' && this.state !== 'left') {
      this.state = 'leaving';
      this.rejectFirstJoin(
        new RoomJoinError(this.options.roomId, 'the channel was left before the join completed'),
      );
    }
    await this.teardown();
  }

  private open(): void {
    const channel = this.lease.client.channel(this.options.topic, { config: this.options.config });
    this.channel = channel;
    const { onBroadcast } = this.options;
    if (onBroadcast) {
      channel.on('broadcast', { event: '*' }, (message: { event?: unknown; payload?: unknown }) => {
        if (this.channel !== channel || typeof message.event !== 'string') return;
        const { payload } = message;
        if (typeof payload === 'object' && payload !== null && !Array.isArray(payload))
          onBroadcast(message.event, payload as BroadcastPayload);
      });
    }
    if (this.options.watchPresence) {
      channel.on('presence', { event: 'sync' }, () => {
        if (this.channel !== channel) return;
        this.presenceSynced = true;
        for (const waiter of [...this.syncWaiters]) waiter();
      });
    }
    channel.subscribe((status, error) => this.onStatus(channel, status, error));
  }

  private onStatus(
    channel: RealtimeChannel,
    status: REALTIME_SUBSCRIBE_STATES,
    error?: Error,
  ): void {
    if (
      channel !== this.channel ||
      this.state === 'failed' ||
      this.state === 'leaving' ||
      this.state === 'left'
    )
      return;
    switch (status) {
      case REALTIME_SUBSCRIBE_STATES.SUBSCRIBED:
        this.state = 'joined';
        this.everJoined = true;
        this.joinedAt = Date.now();
        clearTimeout(this.joinTimer);
        this.settleFirstJoin?.resolve();
        this.settleFirstJoin = undefined;
        this.options.onJoined();
        return;
      case REALTIME_SUBSCRIBE_STATES.CHANNEL_ERROR: {
        const reason = error ?? new Error('channel error');
        this.lastError = reason;
        // A refusal before the first join is final (Unauthorized, Too many channels...): do not
        // let realtime-js retry it forever. After that, an error is a drop: realtime-js rejoins.
        if (!this.everJoined && isJoinRefusal(reason)) {
          this.fail(new RoomJoinError(this.options.roomId, reason.message, { cause: reason }));
          return;
        }
        this.markDown(reason);
        return;
      }
      case REALTIME_SUBSCRIBE_STATES.TIMED_OUT:
        this.lastError = new Error('the join was not answered in time');
        this.markDown(this.lastError);
        return;
      case REALTIME_SUBSCRIBE_STATES.CLOSED: {
        // The server closed the channel (we are not leaving): realtime-js has removed it and will
        // not rejoin, so open a new one after a pause.
        this.lastError = new Error('the server closed the channel');
        this.options.log('warn', 'room_bus.channel_closed_by_server', {
          roomId: this.options.roomId,
          topic: this.options.topic,
        });
        channel.teardown();
        this.channel = undefined;
        const stable = this.state === 'joined' && Date.now() - this.joinedAt >= STABLE_JOIN_MS;
        this.closeStreak = stable ? 1 : this.closeStreak + 1;
        this.markDown(this.lastError);
        const delay = this.options.rejoinDelayMs * 2 ** Math.min(this.closeStreak - 1, 3);
        this.reopenTimer = setTimeout(() => {
          if (this.state === 'down' || this.state === 'joining') this.open();
        }, delay);
        this.reopenTimer.unref();
        return;
      }
    }
  }

  private markDown(reason: Error): void {
    const wasJoined = this.state === 'joined';
    this.state = this.everJoined ? 'down' : 'joining';
    this.presenceSynced = false;
    if (wasJoined) {
      this.options.log('info', 'room_bus.channel_down', {
        roomId: this.options.roomId,
        topic: this.options.topic,
        reason: reason.message,
      });
      this.options.onDown(reason);
    }
  }

  /** Fails the first join, if it is still pending, and gives the channel up. */
  private fail(error: RoomJoinError): void {
    if (!this.settleFirstJoin) return;
    this.state = 'failed';
    this.options.log('warn', 'room_bus.join_failed', {
      roomId: this.options.roomId,
      topic: this.options.topic,
      reason: error.reason,
    });
    this.rejectFirstJoin(error);
    void this.teardown();
  }

  private rejectFirstJoin(error: RoomJoinError): void {
    clearTimeout(this.joinTimer);
    this.settleFirstJoin?.reject(error);
    this.settleFirstJoin = undefined;
  }

  private tearingDown: Promise<void> | undefined;

  private teardown(): Promise<void> {
    this.tearingDown ??= (async () => {
      clearTimeout(this.joinTimer);
      clearTimeout(this.reopenTimer);
      const channel = this.channel;
      this.channel = undefined;
      if (channel) {
        await channel.unsubscribe();
        channel.teardown();
      }
      if (this.state === 'leaving') this.state = 'left';
      await this.lease.release();
    })();
    return this.tearingDown;
  }
}

/**
 * True for a join the server answered with an error (realtime-js passes the reply's response as
 * `cause`, e.g. `{ reason: 'Unauthorized: …' }`), false for transport failures (a close or error
 * event as `cause`).
 */
function isJoinRefusal(error: Error): boolean {
  const cause: unknown = error.cause;
  return (
    typeof cause === 'object' &&
    cause !== null &&
    Object.getPrototypeOf(cause) === Object.prototype &&
    'reason' in cause
  );
}
