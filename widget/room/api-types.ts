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

/** A host-signed identity (`signature` = hex HMAC-SHA256 of `userId` with the server's identity secret). */
export type HostIdentity = Identity;

/** Who the widget speaks as. */
export interface ChorusUser {
  name: string;
  identity?: HostIdentity;
}
