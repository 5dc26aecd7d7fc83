import type { Logger } from '../lib/logger.ts';
import { AgentPresenceError } from './room-bus.ts';
import type { SendOutcome } from './room-bus-send-queue.ts';

/** The channel an agent's presence is tracked on (one per agent and room). */
export interface PresenceLink {
  canSend(): boolean;
  track(meta: Record<string, unknown>, timeoutMs: number): Promise<SendOutcome>;
}

export interface AgentPresenceOptions {
  roomId: string;
  agentId: string;
  /** How long one track may wait for the server's reply. */
  ackTimeoutMs: number;
  /** Tracks of one meta that may fail before its callers are rejected. */
  maxAttempts: number;
  retryDelayMs: number;
  /** Longest a caller waits for its meta (or a newer one) to be shown. */
  deliveryTimeoutMs: number;
  /**
   * Client-side cap on presence pushes per channel, below the server's (Supabase closes a
   * channel that makes more than 5 presence calls per 30 s by default). Null: no cap.
   */
  rateLimit: { calls: number; windowMs: number } | null;
  log: Logger;
}

interface Waiter {
  version: number;
  timer: NodeJS.Timeout;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Keeps one agent's meta shown on its presence channel. The latest meta wins: updates made
 * while a track is in flight (or held back by the rate limit) are folded into the next track,
 * and each caller resolves once its meta or a newer one has been acknowledged. After every
 * rejoin the meta is tracked again, since the server dropped it with the old connection.
 *
 * @example
 * const tracker = new AgentPresenceTracker(options);
 * tracker.attach(link); // and call tracker.rejoined() / tracker.linkDown() from the link's hooks
 * await tracker.update({ kind: 'agent', id: 'ada', name: 'Ada', status: 'thinking' });
 */
export class AgentPresenceTracker {
  private link: PresenceLink | undefined;
  private meta: Record<string, unknown> | undefined;
  private version = 0;
  /** The server does not show the latest meta (never tracked, changed, or lost in a drop). */
  private stale = false;
  private running = false;
  private failures = 0;
  private disposed = false;
  private readonly waiters: Waiter[] = [];
  /** When the current channel's presence pushes were made, for the rate limit. */
  private calls: number[] = [];
  /** Resolves the in-flight track's wait when the link drops (its reply will never come). */
  private abandon: (() => void) | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly options: AgentPresenceOptions) {}

  attach(link: PresenceLink): void {
    this.link = link;
    void this.flush();
  }

  /** Shows `meta`; resolves once it (or a newer meta) is acknowledged. */
  update(meta: Record<string, unknown>): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.meta = meta;
    this.version += 1;
    this.stale = true;
    const version = this.version;
    const shown = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.removeWaiter(waiter);
        reject(
          new AgentPresenceError(
            this.options.roomId,
            this.options.agentId,
            `not shown within ${this.options.deliveryTimeoutMs} ms`,
          ),
        );
      }, this.options.deliveryTimeoutMs);
      timer.unref();
      const waiter: Waiter = { version, timer, resolve, reject };
      this.waiters.push(waiter);
    });
    void this.flush();
    return shown;
  }

  /** The channel (re)joined: the server shows nothing for this agent, so track again. */
  rejoined(): void {
    this.calls = []; // a new channel on the server: a new presence budget
    if (this.meta !== undefined) this.stale = true;
    this.wake?.();
    void this.flush();
  }

  /** The channel dropped: the reply to a track in flight will never come. */
  linkDown(): void {
    this.abandon?.();
  }

  /** Rejects every caller (the channel could not be joined). */
  failAll(error: Error): void {
    this.dispose(error);
  }

  /**
   * Stops tracking. Waiting callers resolve (the agent was untracked: their intent is
   * superseded), or reject with `error` (the bus closed, or the channel could not be joined).
   */
  dispose(error?: Error): void {
    this.disposed = true;
    this.abandon?.();
    this.wake?.();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private async flush(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (!this.disposed && this.stale && this.meta !== undefined && this.link?.canSend()) {
        const wait = this.rateLimitWait();
        if (wait > 0) {
          await this.sleep(wait);
          continue;
        }
        const version = this.version;
        this.stale = false;
        this.calls.push(Date.now());
        const outcome = await this.trackOrAbandon(this.link, this.meta);
        if (outcome === 'ok') {
          this.failures = 0;
          this.settle(version);
          continue;
        }
        if (outcome === 'abandoned') {
          this.stale = true; // tracked again on rejoin
          continue;
        }
        this.stale = true;
        this.failures += 1;
        this.options.log('warn', 'room_bus.agent_track_failed', {
          roomId: this.options.roomId,
          agentId: this.options.agentId,
          outcome,
          attempt: this.failures,
        });
        if (this.failures >= this.options.maxAttempts) {
          this.failures = 0;
          const detail = `${this.options.maxAttempts} track(s) ${outcome === 'timed out' ? 'were not acknowledged' : 'were refused'}`;
          this.settle(
            version,
            new AgentPresenceError(this.options.roomId, this.options.agentId, detail),
          );
          if (this.version === version) this.stale = false; // until the next update or rejoin
          continue;
        }
        await this.sleep(this.options.retryDelayMs);
      }
    } finally {
      this.running = false;
    }
  }

  private trackOrAbandon(
    link: PresenceLink,
    meta: Record<string, unknown>,
  ): Promise<SendOutcome | 'abandoned'> {
    return new Promise((resolve) => {
      this.abandon = () => resolve('abandoned');
      link.track(meta, this.options.ackTimeoutMs).then(resolve, () => resolve('error'));
    }).finally(() => (this.abandon = undefined)) as Promise<SendOutcome | 'abandoned'>;
  }

  /** Milliseconds until another presence push fits the rate limit (0: now). */
  private rateLimitWait(): number {
    const limit = this.options.rateLimit;
    if (!limit) return 0;
    const now = Date.now();
    this.calls = this.calls.filter((at) => at > now - limit.windowMs);
    if (this.calls.length < limit.calls) return 0;
    return this.calls[0]! + limit.windowMs - now + 1;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => (this.wake = undefined));
  }

  private settle(version: number, error?: Error): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.version > version) continue;
      this.removeWaiter(waiter);
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private removeWaiter(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }
}
