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
