import type { SessionResponse } from '../../protocol/schemas/rest.ts';
import type { ChorusError } from '../../widget/lib/chorus-error.ts';
import { SessionKeeper } from '../../widget/room/session-keeper.ts';
import type { Credential, InboxApi } from '../api/inbox-api.ts';

/**
 * The operator's session for one support room (docs/architecture.md §8): a staff token whose
 * `room` is the support room, good for its `inbox:<room>` channel and for every conversation of
 * it (REST and `room:<conversation>`). The widget's SessionKeeper refreshes it before it expires,
 * with the current token as bearer (the same participant); the first one comes from the admin key
 * (an admin token) or the identity JWT (its role).
 * @example const session = await StaffSession.start(api, credential, 'support', 'Ada', onError);
 */
export class StaffSession {
  readonly room: string;
  readonly #keeper: SessionKeeper;
  readonly #listeners = new Set<(session: SessionResponse) => void>();

  private constructor(
    api: InboxApi,
    credential: Credential,
    room: string,
    onError: (error: ChorusError) => void,
  ) {
    this.room = room;
    this.#keeper = new SessionKeeper({
      createSession: (user, bearer) =>
        api.createSession(
          room,
          user.name,
          bearer
            ? { bearer }
            : credential.kind === 'admin-key'
              ? { bearer: credential.key }
              : { identity: credential.jwt },
        ),
      storage: null, // the credential is kept instead: a reload signs in again
      storageKey: `chorus:inbox:${room}`,
      onSession: (session) => {
        for (const listener of this.#listeners) listener(session);
      },
      onError,
    });
  }

  static async start(
    api: InboxApi,
    credential: Credential,
    room: string,
    name: string,
    onError: (error: ChorusError) => void,
  ): Promise<StaffSession> {
    const session = new StaffSession(api, credential, room, onError);
    await session.#keeper.start({ name });
    return session;
  }

  get current(): SessionResponse {
    const session = this.#keeper.session;
    if (!session) throw new Error('StaffSession: not started');
    return session;
  }

  get token(): string {
    return this.current.token;
  }

  /** Gets a new token now (after a 401); resolves false when that failed. */
  refresh(): Promise<boolean> {
    return this.#keeper.refresh();
  }

  /** Called with every new token (refreshes). */
  onSession(listener: (session: SessionResponse) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stop(): void {
    this.#keeper.stop();
    this.#listeners.clear();
  }
}
