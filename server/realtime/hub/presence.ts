import { randomBytes } from 'node:crypto';

/** One tracked presence as the client sees it: the tracked state plus Phoenix's refs. */
export type PresenceMeta = Record<string, unknown> & { phx_ref: string; phx_ref_prev?: string };
export type PresenceState = Record<string, { metas: PresenceMeta[] }>;
export interface PresenceDiff {
  joins: PresenceState;
  leaves: PresenceState;
}

interface Entry {
  key: string;
  meta: PresenceMeta;
  fingerprint: string;
}

const newPhxRef = () => randomBytes(9).toString('base64url');

function single(key: string, meta: PresenceMeta): PresenceState {
  return { [key]: { metas: [meta] } };
}

/**
 * The presences of one topic. Each owner (a joined channel, or a presence the server tracks
 * itself) holds at most one entry, as one socket tracks one key per channel on Supabase.
 */
export class PresenceTopic {
  private readonly entries = new Map<object, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /**
   * Tracks `state` for `owner` under `key`. Returns the diff to fan out, or null when nothing
   * changed (tracking the same state again is a no-op). An update leaves the old meta and joins
   * the new one, which carries `phx_ref_prev`.
   */
  track(owner: object, key: string, state: Record<string, unknown>): PresenceDiff | null {
    const fingerprint = JSON.stringify(state);
    const previous = this.entries.get(owner);
    if (previous && previous.key === key && previous.fingerprint === fingerprint) return null;
    const meta: PresenceMeta = { ...state, phx_ref: newPhxRef() };
    if (previous && previous.key === key) meta.phx_ref_prev = previous.meta.phx_ref;
    this.entries.set(owner, { key, meta, fingerprint });
    const diff: PresenceDiff = { joins: single(key, meta), leaves: {} };
    if (previous) diff.leaves = single(previous.key, previous.meta);
    return diff;
  }

  /** Removes `owner`'s presence; returns the leave diff, or null when it tracked nothing. */
  untrack(owner: object): PresenceDiff | null {
    const previous = this.entries.get(owner);
    if (!previous) return null;
    this.entries.delete(owner);
    return { joins: {}, leaves: single(previous.key, previous.meta) };
  }

  /** The full state, grouped by key, as sent in `presence_state`. */
  state(): PresenceState {
    // Keys come from clients: group in a Map so `constructor` or `__proto__` are just keys.
    const grouped = new Map<string, PresenceMeta[]>();
    for (const { key, meta } of this.entries.values())
      grouped.set(key, [...(grouped.get(key) ?? []), meta]);
    return Object.fromEntries([...grouped].map(([key, metas]) => [key, { metas }]));
  }
}
