export type DeltaKind = 'text-delta' | 'reasoning-delta';

export interface CoalescerOptions {
  /** How long deltas gather before they are sent together (docs/architecture.md §3: ~40 ms). */
  windowMs: number;
  /** Send at once when this many characters are waiting. */
  maxChars: number;
}

/**
 * Turns a model's many small deltas into few broadcasts: the first delta of a reply goes out at
 * once (so the reply starts without delay), later ones are gathered for `windowMs` or until
 * `maxChars` wait. A change of kind (reasoning → text) sends what waits first, keeping order.
 * `send` is called one batch at a time, in order; it must not throw.
 */
export class DeltaCoalescer {
  private waiting: { kind: DeltaKind; text: string } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private sentFirst = false;

  constructor(
    private readonly send: (kind: DeltaKind, text: string) => Promise<void>,
    private readonly options: CoalescerOptions,
  ) {}

  /** Adds a delta; resolves when any batch it caused to be sent has gone out. */
  push(kind: DeltaKind, delta: string): Promise<void> {
    if (delta === '') return Promise.resolve();
    if (this.waiting && this.waiting.kind !== kind) void this.flush();
    this.waiting ??= { kind, text: '' };
    this.waiting.text += delta;
    if (!this.sentFirst || this.waiting.text.length >= this.options.maxChars) {
      this.sentFirst = true;
      return this.flush();
    }
    this.timer ??= setTimeout(() => void this.flush(), this.options.windowMs);
    return Promise.resolve();
  }

  /** Sends whatever waits now (before a tool call, and at the end of a reply). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting;
    this.waiting = null;
    return batch ? this.send(batch.kind, batch.text) : Promise.resolve();
  }
}

/** The window on the embedded hub, where a broadcast costs only CPU (docs/architecture.md §3). */
export const EMBEDDED_COALESCE_MS = 40;
/**
 * The window when the rooms ride an external Supabase Realtime (`CHORUS_REALTIME_URL`), which
 * bills every message: at 30 tokens/s, 150 ms gathers about 5 tokens a broadcast instead of 2
 * (docs/architecture.md §10, docs/decisions.md "Coalescing on hosted Realtime").
 */
export const HOSTED_COALESCE_MS = 150;
export const DEFAULT_COALESCE_MAX_CHARS = 512;

/**
 * The coalescing a server uses: what `CHORUS_COALESCE_MS` / `CHORUS_COALESCE_MAX_CHARS` set
 * (null: unset), else the default of its realtime (a longer window when messages are billed).
 * @example coalescingFor('external', { windowMs: null, maxChars: null }); // { windowMs: 150, maxChars: 512 }
 */
export function coalescingFor(
  realtime: 'embedded' | 'external',
  set: { windowMs: number | null; maxChars: number | null },
): CoalescerOptions {
  return {
    windowMs: set.windowMs ?? (realtime === 'external' ? HOSTED_COALESCE_MS : EMBEDDED_COALESCE_MS),
    maxChars: set.maxChars ?? DEFAULT_COALESCE_MAX_CHARS,
  };
}

/**
 * What a streaming reply costs on a Realtime that bills one message per send plus one per
 * receiver, per minute of streaming: `broadcasts` sent over `seconds`, each to `receivers`.
 * @example realtimeMessagesPerReplyMinute({ broadcasts: 15, seconds: 1, receivers: 1 }); // 1800
 */
export function realtimeMessagesPerReplyMinute(stream: {
  broadcasts: number;
  seconds: number;
  receivers: number;
}): number {
  if (stream.seconds <= 0) return 0;
  return ((stream.broadcasts * (1 + stream.receivers)) / stream.seconds) * 60;
}
