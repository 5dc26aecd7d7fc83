import type { AllowedOrigins } from '../../auth/allowed-origins.ts';
import type { VerifiedClaims } from '../../auth/jwt.ts';
import type { Logger } from '../../lib/logger.ts';
import type { OutboundBroadcast } from './broadcast.ts';
import type { Channel } from './channel.ts';
import type { HubLimits } from './limits.ts';
import type { ParentLookup } from './policy.ts';
import type { PresenceState } from './presence.ts';

/** What a {@link Connection} needs from the hub: the topic registry, policy inputs and logging. */
export interface HubCore {
  readonly limits: HubLimits;
  readonly privateOnly: boolean;
  readonly closing: boolean;
  /** Browser origins allowed to connect and to call the REST endpoints (`CHORUS_ALLOWED_ORIGINS`). */
  readonly allowedOrigins: AllowedOrigins;
  verify(token: string): VerifiedClaims;
  /** The `conversationParent` option: an operator may open a conversation of its room. */
  readonly conversationParent: ParentLookup | undefined;
  subscribe(channel: Channel): void;
  unsubscribe(channel: Channel): void;
  /** Delivers to the topic's readers; `except` is the sender when it did not ask for `self`. */
  fanOut(
    subTopic: string,
    isPrivate: boolean,
    outbound: OutboundBroadcast,
    except?: Channel,
  ): number;
  trackPresence(
    owner: object,
    subTopic: string,
    isPrivate: boolean,
    key: string,
    state: Record<string, unknown>,
  ): void;
  untrackPresence(owner: object, subTopic: string, isPrivate: boolean): void;
  presenceState(subTopic: string, isPrivate: boolean): PresenceState;
  afterJoinErrorDelay(send: () => void): void;
  /** Counts one REST `typing` of a room member; false once its per-second budget is spent. */
  takeRestTyping(participantId: string): boolean;
  log: Logger;
}
