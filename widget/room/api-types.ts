import type { Message, RoomSettings } from '../../protocol/room.ts';

/**
 * The REST answers the widget reads (docs/architecture.md §3). They belong with the shared wire types
 * in `protocol/`; they live here until that module grows them.
 */

/** A host-signed identity (`signature` = hex HMAC-SHA256 of `userId` with the server's identity secret). */
export interface HostIdentity {
  userId: string;
  signature: string;
  name?: string;
}

/** Who the widget speaks as. */
export interface ChorusUser {
  name: string;
  identity?: HostIdentity;
}

export interface SessionResponse {
  token: string;
  expiresAt: string;
  participant: { id: string; name: string };
  room: { id: string; title: string };
  /** `typing: 'server'`: send typing with `POST /api/rooms/:room/typing`, not on the channel (an older server sends no `typing`). */
  realtime: { url: string; apikey: string; typing?: 'channel' | 'server' };
}

export interface AgentInfo {
  id: string;
  name: string;
  handle: string;
  color: string | null;
  model: string | null;
  description: string | null;
}

export interface RoomInfoResponse {
  room: { id: string; title: string; settings: RoomSettings };
  agents: AgentInfo[];
}

export interface MessagePage {
  messages: Message[];
  nextCursor: string | null;
}

/** What `POST /api/rooms/:room/stop` stops. */
export type StopTarget = { messageId: string } | { agentId: string } | { all: true };
