import type { Message, RoomEvents } from '../../protocol/room.ts';
import { jitteredBackoff } from '../lib/backoff.ts';
import { toChorusError, type ChorusError } from '../lib/chorus-error.ts';
import type { MessagePage } from './api-types.ts';
import { Transcript } from './transcript.ts';

export interface TranscriptSyncOptions {
  fetchPage(query: { before?: string | null; limit: number }): Promise<MessagePage>;
  /** Messages per page (default 50). */
  pageSize?: number;
  /** The transcript changed (a merge or an applied event). */
  onChange(): void;
  /** A live event that changed the transcript, once per message and step (not for duplicates or history). */
  onLive(event: string, payload: unknown): void;
  onError(error: ChorusError): void;
  /** A streaming reply with no event for this long is refetched (a lost `message-end`); default 20 000 ms. */
  staleMs?: number;
  now?: () => number;
  random?: () => number;
}

/** Events kept while the snapshot is fetched; beyond this the snapshot alone is trusted. */
const MAX_BUFFERED = 5_000;
/** Pages walked back after a reconnect to reach messages already held. */
const MAX_CATCH_UP_PAGES = 5;
/** The first refetch after a gap waits this long, so a burst of gaps costs one request. */
const FIRST_REFETCH_DELAY_MS = 50;

/**
 * The catch-up protocol of docs/architecture.md §3 around a {@link Transcript}: buffer live events
 * while the snapshot is fetched, merge it, apply the buffer, then apply events as they come;
 * refetch (coalesced, backing off while gaps persist) on a gap, and when a streaming reply
 * goes quiet for too long. After a reconnect it walks back pages until it meets messages it
 * already holds, so a long disconnection leaves no hole.
 * @example
 * const sync = new TranscriptSync({ fetchPage: (query) => api.listMessages(query), onChange, onLive, onError });
 * channel.onBroadcast = (event, payload) => sync.receive(event, payload);
 * await sync.catchUp(); // after each (re)join
 */
export class TranscriptSync {
  readonly transcript = new Transcript();
  #buffering = true;
  #buffer: [string, unknown][] = [];
  /** `undefined` until the first page; `null` when there is nothing older. */
  #olderCursor: string | null | undefined;
  #loadingOlder: Promise<void> | undefined;
  #refetchTimer: ReturnType<typeof setTimeout> | undefined;
  #refetching = false;
  #refetchAgain = false;
  #refetchAttempts = 0;
  readonly #lastActivity = new Map<string, number>();
  #stopped = false;
  readonly #pageSize: number;
  readonly #now: () => number;

  readonly #options: TranscriptSyncOptions;

  constructor(options: TranscriptSyncOptions) {
    this.#options = options;
    this.#pageSize = options.pageSize ?? 50;
    this.#now = options.now ?? Date.now;
  }

  /** Whether older history can be loaded. */
  get hasOlder(): boolean {
    return typeof this.#olderCursor === 'string';
  }

  /** Whether the first snapshot has been merged. */
  get loaded(): boolean {
    return this.#olderCursor !== undefined;
  }

  /** A broadcast from the channel. */
  receive(event: string, payload: unknown): void {
    if (this.#stopped) return;
    if (!this.#buffering) {
      this.#applyLive(event, payload);
      return;
    }
    if (this.#buffer.length < MAX_BUFFERED) this.#buffer.push([event, payload]);
  }

  /** The channel was lost: buffer again until the next catch-up. */
  pause(): void {
    this.#buffering = true;
  }

  /** Fetches the latest page(s), merges them, then applies what was buffered. Throws if the fetch fails (events stay buffered). */
  async catchUp(): Promise<void> {
    this.#buffering = true;
    const known = new Set(this.transcript.list().map((message) => message.id));
    let page = await this.#options.fetchPage({ limit: this.#pageSize });
    const pages = [page];
    if (known.size > 0) {
      while (
        !page.messages.some((message) => known.has(message.id)) &&
        page.nextCursor &&
        pages.length < MAX_CATCH_UP_PAGES
      ) {
        page = await this.#options.fetchPage({ before: page.nextCursor, limit: this.#pageSize });
        pages.push(page);
      }
      // Still no overlap: the hole between is filled by paging up from here.
      if (!page.messages.some((message) => known.has(message.id)) && page.nextCursor)
        this.#olderCursor = page.nextCursor;
    }
    if (this.#stopped) return;
    for (const fetched of pages) this.#mergeFetched(fetched.messages);
    if (this.#olderCursor === undefined) this.#olderCursor = pages[0]?.nextCursor ?? null;
    const buffered = this.#buffer;
    this.#buffer = [];
    this.#buffering = false;
    for (const [event, payload] of buffered) this.#applyLive(event, payload);
    this.#options.onChange();
  }

  /** Loads the page before the oldest one held. */
  loadOlder(): Promise<void> {
    if (!this.hasOlder) return Promise.resolve();
    this.#loadingOlder ??= (async () => {
      try {
        const page = await this.#options.fetchPage({
          before: this.#olderCursor,
          limit: this.#pageSize,
        });
        this.#mergeFetched(page.messages);
        this.#olderCursor = page.nextCursor ?? null;
        this.#options.onChange();
      } finally {
        this.#loadingOlder = undefined;
      }
    })();
    return this.#loadingOlder;
  }

  /** Merges messages learnt outside the channel (e.g. the answer to a post). */
  merge(messages: readonly Message[]): void {
    this.#mergeFetched(messages);
    this.#options.onChange();
  }

  /** Refetches when a streaming reply has had no event for `staleMs` (call it periodically). */
  checkStale(): void {
    if (this.#buffering || this.#stopped) return;
    const limit = this.#now() - (this.#options.staleMs ?? 20_000);
    for (const message of this.transcript.list()) {
      if (message.status === 'streaming' && (this.#lastActivity.get(message.id) ?? 0) < limit) {
        this.#lastActivity.set(message.id, this.#now());
        this.#requestRefetch();
        return;
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#refetchTimer);
  }

  #applyLive(event: string, payload: unknown): void {
    const finishedBefore = this.#finishedVersion(event, payload);
    const outcome = this.transcript.apply(event, payload);
    const id = messageIdOf(event, payload);
    if (id) this.#lastActivity.set(id, this.#now());
    if (outcome.kind === 'gap') {
      this.#requestRefetch();
      return;
    }
    if (outcome.kind !== 'applied') return;
    this.#options.onChange();
    if (finishedBefore !== undefined) return;
    // A finished message is announced as held: an interrupted reply may have kept the longer text shown.
    const held =
      (event === 'message' || event === 'message-end') && id ? this.transcript.get(id) : undefined;
    this.#options.onLive(event, held ? { message: held } : payload);
  }

  /**
   * For `message`/`message-end`: the `updatedAt` of the finished message already held (so a
   * duplicate, or the end of a reply the snapshot already had finished, is not announced again).
   */
  #finishedVersion(event: string, payload: unknown): string | undefined {
    if (event !== 'message' && event !== 'message-end') return undefined;
    const { message } = payload as RoomEvents['message'];
    const known = this.transcript.get(message.id);
    return known && known.status !== 'streaming' && known.updatedAt === message.updatedAt
      ? known.updatedAt
      : undefined;
  }

  #mergeFetched(messages: readonly Message[]): void {
    const now = this.#now();
    for (const message of messages)
      if (message.status === 'streaming' && !this.#lastActivity.has(message.id))
        this.#lastActivity.set(message.id, now);
    this.transcript.merge(messages);
  }

  #requestRefetch(): void {
    if (this.#stopped) return;
    if (this.#refetching || this.#refetchTimer !== undefined) {
      this.#refetchAgain = true;
      return;
    }
    const delay =
      this.#refetchAttempts === 0
        ? FIRST_REFETCH_DELAY_MS
        : jitteredBackoff(this.#refetchAttempts, {
            baseMs: 500,
            maxMs: 10_000,
            random: this.#options.random,
          });
    this.#refetchTimer = setTimeout(() => void this.#refetch(), delay);
  }

  async #refetch(): Promise<void> {
    this.#refetchTimer = undefined;
    this.#refetching = true;
    this.#refetchAgain = false;
    try {
      const page = await this.#options.fetchPage({ limit: Math.max(this.#pageSize, 100) });
      if (this.#stopped) return;
      this.#mergeFetched(page.messages);
      this.#options.onChange();
      this.#refetchAttempts = this.transcript.waiting().length > 0 ? this.#refetchAttempts + 1 : 0;
    } catch (error) {
      this.#refetchAttempts++;
      this.#refetchAgain = true;
      this.#options.onError(toChorusError(error));
    } finally {
      this.#refetching = false;
    }
    if (this.#refetchAgain && this.transcript.waiting().length > 0) this.#requestRefetch();
    else this.#refetchAgain = false;
  }
}

function messageIdOf(event: string, payload: unknown): string | undefined {
  if (event === 'message' || event === 'message-end')
    return (payload as RoomEvents['message']).message.id;
  return (payload as { id?: unknown }).id as string | undefined;
}
