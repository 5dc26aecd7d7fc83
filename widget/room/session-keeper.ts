import { ChorusError } from '../lib/chorus-error.ts';
import { jitteredBackoff } from '../lib/backoff.ts';
import type { ChorusUser, SessionResponse } from './api-types.ts';

export interface SessionKeeperOptions {
  createSession(user: ChorusUser, bearer?: string): Promise<SessionResponse>;
  /** Where the token is kept across reloads of the tab (so the participant keeps its id); null for nowhere. */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null;
  storageKey: string;
  now?: () => number;
  random?: () => number;
  /** A new session or token: `previous` is the one it replaces. */
  onSession(session: SessionResponse, previous: SessionResponse | undefined): void;
  /** A refresh failed (it is retried with back-off while the token lasts). */
  onError(error: ChorusError): void;
}

/** What RoomClient needs of whoever keeps its session (a SessionKeeper, or shared-session.ts). */
export type Keeper = Pick<
  SessionKeeper,
  'session' | 'refresh' | 'check' | 'start' | 'stop' | 'setUser'
>;

/** The shortest and longest lead before expiry at which the token is refreshed. */
const MIN_LEAD_MS = 5_000;
const MAX_LEAD_MS = 120_000;

/**
 * Holds the room session (docs/architecture.md §6): creates it, keeps its token in the tab's
 * sessionStorage so a reload stays the same participant, and refreshes it before it expires
 * (with the current token as bearer, which keeps the participant id), retrying with jittered
 * back-off when a refresh fails. Timers in a sleeping tab fire late, so `check()` refreshes at
 * once when the page becomes visible past the refresh time.
 * @example
 * const keeper = new SessionKeeper({ createSession: (user, bearer) => api.createSession(user, bearer), storageKey, onSession, onError });
 * await keeper.start({ name: 'Ada' });
 */
export class SessionKeeper {
  #current: SessionResponse | undefined;
  #user: ChorusUser = { name: '' };
  #timer: ReturnType<typeof setTimeout> | undefined;
  #refreshAt = Number.POSITIVE_INFINITY;
  #refreshing: Promise<boolean> | undefined;
  #starting: Promise<SessionResponse> | undefined;
  #failures = 0;
  #stopped = false;
  readonly #now: () => number;

  readonly #options: SessionKeeperOptions;

  constructor(options: SessionKeeperOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get session(): SessionResponse | undefined {
    return this.#current;
  }

  /**
   * Creates the session, reusing this tab's previous token (same participant) when it is still
   * accepted. A `setUser` made meanwhile is applied before the session is announced, so nothing
   * is ever sent under the name it replaced.
   */
  async start(user: ChorusUser): Promise<SessionResponse> {
    this.#user = user;
    this.#stopped = false;
    this.#starting = this.#create(user);
    try {
      return await this.#starting;
    } finally {
      this.#starting = undefined;
    }
  }

  /** Gets a new token now (coalesced with a refresh in flight); resolves false when that failed. */
  refresh(): Promise<boolean> {
    this.#refreshing ??= this.#doRefresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** Speaks as another name (or a host-verified identity) from now on; while starting, resolves once the session speaks so. */
  async setUser(user: ChorusUser): Promise<void> {
    this.#user = user;
    if (!this.#current) {
      await this.#starting?.catch(() => undefined);
      return;
    }
    await this.#refreshing?.catch(() => false);
    const session = await this.#options.createSession(user, this.#current.token);
    this.#accept(session);
  }

  /** Refreshes at once if the refresh time has passed (call it when the page becomes visible). */
  check(): void {
    if (this.#current && !this.#stopped && this.#now() >= this.#refreshAt) void this.refresh();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #create(user: ChorusUser): Promise<SessionResponse> {
    const stored = this.#read();
    let session: SessionResponse;
    try {
      session = await this.#options.createSession(user, stored ?? undefined);
    } catch (error) {
      if (!stored || !(error instanceof ChorusError) || error.status !== 401) throw error;
      this.#forget();
      session = await this.#options.createSession(user);
    }
    // Renamed while the request was out (Chorus.push(['setUser', …]) before the script loaded):
    // rename now, with this token as bearer (the same participant), before anyone sees the session.
    for (let wanted = this.#user; wanted !== user && !this.#stopped; wanted = this.#user) {
      user = wanted;
      session = await this.#options.createSession(user, session.token);
    }
    this.#accept(session);
    return session;
  }

  async #doRefresh(): Promise<boolean> {
    const previous = this.#current;
    if (!previous || this.#stopped) return false;
    try {
      this.#accept(await this.#options.createSession(this.#user, previous.token));
      this.#failures = 0;
      return true;
    } catch (error) {
      const failure =
        error instanceof ChorusError
          ? error
          : new ChorusError('session_refresh_failed', String(error), { cause: error });
      this.#failures++;
      this.#options.onError(failure);
      if (failure.status === 401) this.#forget();
      if (!this.#stopped)
        this.#schedule(jitteredBackoff(this.#failures, { random: this.#options.random }));
      return false;
    }
  }

  #accept(session: SessionResponse): void {
    const previous = this.#current;
    this.#current = session;
    this.#write(session.token);
    const lifetime = Date.parse(session.expiresAt) - this.#now();
    const lead = Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, lifetime * 0.2));
    this.#refreshAt = this.#now() + Math.max(1_000, lifetime - lead);
    this.#schedule(this.#refreshAt - this.#now());
    this.#options.onSession(session, previous);
  }

  #schedule(delay: number): void {
    clearTimeout(this.#timer);
    if (this.#stopped || !Number.isFinite(delay)) return;
    this.#timer = setTimeout(() => void this.refresh(), Math.min(delay, 2 ** 31 - 1));
  }

  #read(): string | null {
    try {
      return this.#options.storage?.getItem(this.#options.storageKey) ?? null;
    } catch {
      return null;
    }
  }

  #write(token: string): void {
    try {
      this.#options.storage?.setItem(this.#options.storageKey, token);
    } catch {
      // storage full or blocked: the participant gets a new id on reload, nothing more
    }
  }

  #forget(): void {
    try {
      this.#options.storage?.removeItem(this.#options.storageKey);
    } catch {
      // as above
    }
  }
}
