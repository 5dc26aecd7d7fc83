/**
 * The REST answers and bodies the widget uses (docs/architecture.md §3): the types of the contract's
 * zod schemas in protocol/schemas/rest.ts, imported as types only so the bundle carries no zod.
 */
import type { Identity } from '../../protocol/schemas/rest.ts';

export type {
  Agent as AgentInfo,
  MessagePage,
  RoomResponse as RoomInfoResponse,
  RoomSummary,
  SessionResponse,
  StopTarget,
} from '../../protocol/schemas/rest.ts';

/**
 * A user the host site vouches for: an identity JWT its server signed (HS256 with the server's
 * `CHORUS_IDENTITY_SECRET`: `sub`, `name`, optional `role`, `exp`), or the older
 * `{ userId, signature }` (hex HMAC-SHA256 of `userId`).
 */
export type HostIdentity = Identity | string;

/** Who the widget speaks as. */
export interface ChorusUser {
  name: string;
  identity?: HostIdentity;
}
