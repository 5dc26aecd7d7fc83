import type { Credential } from './inbox-api.ts';

const CREDENTIAL_KEY = 'chorus:inbox:credential';
const NAME_KEY = 'chorus:inbox:name';
const ROOM_KEY = 'chorus:inbox:room';

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** What the page knows about the operator: how they sign in, and the name visitors see. */
export interface SignIn {
  credential: Credential | null;
  name: string | null;
}

/**
 * The operator's sign-in (docs/architecture.md §8): taken from the address's fragment
 * (`#key=<admin key>` as `npm start` prints it, or `#identity=<identity JWT>&room=<room>`, either
 * with `&name=`), kept in the tab's sessionStorage and removed from the address bar, so that it is
 * left neither in the history nor in a screenshot; else what this tab kept.
 * @example const { credential, name } = takeSignIn(location, history, sessionStorage);
 */
export function takeSignIn(
  location: Pick<Location, 'hash' | 'pathname' | 'search'>,
  history: Pick<History, 'replaceState' | 'state'> | null,
  storage: Store | null,
): SignIn {
  const fromHash = parseFragment(location.hash);
  if (fromHash.credential || fromHash.name) {
    history?.replaceState(history.state, '', `${location.pathname}${location.search}`);
    saveSignIn(storage, fromHash);
  }
  return {
    credential: fromHash.credential ?? readCredential(storage),
    name: fromHash.name ?? read(storage, NAME_KEY),
  };
}

/** Keeps what is known (a credential typed into the form, the operator's name) for this tab. */
export function saveSignIn(storage: Store | null, signIn: Partial<SignIn>): void {
  try {
    if (signIn.credential) storage?.setItem(CREDENTIAL_KEY, JSON.stringify(signIn.credential));
    if (signIn.name) storage?.setItem(NAME_KEY, signIn.name);
  } catch {
    // storage blocked: the operator signs in again after a reload, nothing more
  }
}

/** Signs out: forgets this tab's credential (the name stays, as a convenience). */
export function forgetCredential(storage: Store | null): void {
  try {
    storage?.removeItem(CREDENTIAL_KEY);
  } catch {
    // as above
  }
}

/**
 * @example parseFragment('#key=abc&name=Ada') // { credential: { kind: 'admin-key', key: 'abc' }, name: 'Ada' }
 */
export function parseFragment(hash: string): SignIn {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const name = params.get('name')?.trim() || null;
  const key = params.get('key')?.trim();
  const jwt = params.get('identity')?.trim();
  const room = params.get('room')?.trim();
  if (key) return { credential: { kind: 'admin-key', key }, name };
  if (jwt && room) return { credential: { kind: 'identity', jwt, room }, name };
  return { credential: null, name };
}

function readCredential(storage: Store | null): Credential | null {
  const text = read(storage, CREDENTIAL_KEY);
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<Record<'kind' | 'key' | 'jwt' | 'room', unknown>>;
    if (value.kind === 'admin-key' && typeof value.key === 'string')
      return { kind: 'admin-key', key: value.key };
    if (
      value.kind === 'identity' &&
      typeof value.jwt === 'string' &&
      typeof value.room === 'string'
    )
      return { kind: 'identity', jwt: value.jwt, room: value.room };
  } catch {
    // not ours: ignored
  }
  return null;
}

function read(storage: Store | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** The support room open last in this tab (the one to open again), and keeping it. */
export function keptRoom(storage: Store | null): string | null {
  return read(storage, ROOM_KEY);
}

export function keepRoom(storage: Store | null, room: string): void {
  try {
    storage?.setItem(ROOM_KEY, room);
  } catch {
    // not kept: the first room next time
  }
}

/** The tab's sessionStorage, or null where it is blocked. */
export function tabStorage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}
