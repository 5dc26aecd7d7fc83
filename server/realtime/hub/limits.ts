/** Hub limits, with Supabase Realtime's defaults (docs/realtime-protocol.md §8). */
export interface HubLimits {
  /** Largest broadcast or presence payload, in KB (the limit is `kb * 1000 + 500` bytes). */
  maxPayloadKb: number;
  /** Largest WebSocket frame, in bytes; bigger frames close that socket (1009). */
  maxFrameBytes: number;
  /** Broadcasts a socket may send per second (service-role sockets are exempt). */
  maxEventsPerSecond: number;
  /** Channels one socket may join. */
  maxChannelsPerSocket: number;
  /** Joins one socket may make per second; past it the socket is closed with 1001. */
  maxJoinsPerSecond: number;
  /** Presence pushes per channel per `presenceWindowMs` (service-role sockets are exempt). */
  maxPresenceCalls: number;
  presenceWindowMs: number;
  /** `typing` broadcasts a room member may send per second (per socket; per participant over REST). */
  maxTypingPerSecond: number;
  /** A socket that sends nothing for this long is closed (heartbeats keep it alive). */
  idleTimeoutMs: number;
  /** Outbound bytes queued for one socket before it is cut off as too slow. */
  maxBufferedBytes: number;
}

export const DEFAULT_LIMITS: HubLimits = {
  maxPayloadKb: 3000,
  maxFrameBytes: 5_000_000,
  maxEventsPerSecond: 100,
  maxChannelsPerSocket: 100,
  maxJoinsPerSecond: 100,
  maxPresenceCalls: 5,
  presenceWindowMs: 30_000,
  maxTypingPerSecond: 5,
  idleTimeoutMs: 60_000,
  maxBufferedBytes: 16 * 1024 * 1024,
};

export function payloadLimitBytes(limits: HubLimits): number {
  return limits.maxPayloadKb * 1000 + 500;
}

/** Counts events in a fixed window; `hit()` is false once the window's budget is spent. */
export class WindowCounter {
  private windowStart = 0;
  private count = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  hit(now = Date.now()): boolean {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count += 1;
    return this.count <= this.max;
  }
}
