export interface TypingSenderOptions {
  /** Sends `typing: true|false` to the room. */
  send(typing: boolean): void;
  /** While the user keeps typing, `typing: true` is re-sent at most this often (default 3 000 ms). */
  refreshMs?: number;
  /** After this long without input, `typing: false` is sent (default 4 000 ms). */
  idleMs?: number;
  now?: () => number;
}

/**
 * The local side of typing indicators: throttles `typing: true` (one broadcast per `refreshMs`
 * however fast the user types, which also keeps other clients' 5-second expiry fresh) and sends
 * `typing: false` after `idleMs` of silence, on send, or when stopped, so it never gets stuck.
 * @example const typing = new TypingSender({ send: (typing) => channel.sendTyping(typing) }); textarea.oninput = () => typing.input();
 */
export class TypingSender {
  #typing = false;
  #lastSent = Number.NEGATIVE_INFINITY;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #refreshMs: number;
  readonly #idleMs: number;
  readonly #now: () => number;

  readonly #options: TypingSenderOptions;

  constructor(options: TypingSenderOptions) {
    this.#options = options;
    this.#refreshMs = options.refreshMs ?? 3_000;
    this.#idleMs = options.idleMs ?? 4_000;
    this.#now = options.now ?? Date.now;
  }

  /** The user typed something. */
  input(): void {
    const now = this.#now();
    if (!this.#typing || now - this.#lastSent >= this.#refreshMs) {
      this.#typing = true;
      this.#lastSent = now;
      this.#options.send(true);
    }
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.stop(), this.#idleMs);
  }

  /** The user sent, cleared the field or left: `typing: false` if we had said true. */
  stop(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (!this.#typing) return;
    this.#typing = false;
    this.#lastSent = Number.NEGATIVE_INFINITY;
    this.#options.send(false);
  }
}
