import type { VerifiedClaims } from '../../auth/jwt.ts';
import { WindowCounter } from './limits.ts';
import type { ChannelAccess } from './policy.ts';
import type { Connection } from './connection.ts';
import type { PostgresBinding } from './postgres-changes.ts';

/** One socket's membership of one topic (a Phoenix channel process, in Supabase's server). */
export interface Channel {
  readonly connection: Connection;
  /** The joined topic, `realtime:<name>`. */
  readonly topic: string;
  /** The name without `realtime:`, as policies and REST see it. */
  readonly subTopic: string;
  readonly isPrivate: boolean;
  readonly joinRef: string | null;
  readonly self: boolean;
  readonly ack: boolean;
  readonly presenceEnabled: boolean;
  readonly presenceKey: string;
  readonly presenceCalls: WindowCounter;
  /** The join's `postgres_changes` bindings that can match a change (docs/realtime-protocol.md §10). */
  readonly postgresBindings: readonly PostgresBinding[];
  token: string;
  claims: VerifiedClaims;
  access: ChannelAccess;
  /**
   * The channel room's parent, once the hub's `conversationParent` was asked (an operator opening a
   * conversation); undefined when it never was. A conversation's parent never changes.
   */
  parent: string | null | undefined;
  expiryTimer: NodeJS.Timeout | undefined;
}

/** The registry key of a topic: private and public channels of one name are separate rooms. */
export function topicKey(subTopic: string, isPrivate: boolean): string {
  return `${isPrivate ? 'private' : 'public'}:${subTopic}`;
}

export const TOPIC_PREFIX = 'realtime:';
