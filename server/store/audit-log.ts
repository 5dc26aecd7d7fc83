/** The audit log: what happened in a room, append-only (docs/architecture.md §4). `postgres-audit-log.ts` implements it. */

export interface RoomEvent {
  id: number;
  roomId: string;
  kind: string;
  actor: string | null;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface AuditLog {
  appendEvent(input: {
    roomId: string;
    kind: string;
    actor?: string | null;
    data?: Record<string, unknown>;
  }): Promise<void>;
  /** A room's events after `afterId`, oldest first. */
  listEvents(roomId: string, options?: { afterId?: number; limit?: number }): Promise<RoomEvent[]>;
}
