/** Rooms and their participants (docs/architecture.md §4). `postgres-rooms.ts` implements it. */

export interface Room {
  id: string;
  title: string;
  /** Speaker policy, agents, guest access, budgets: validated by the orchestrator. */
  settings: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface Rooms {
  getRoom(id: string): Promise<Room | null>;
  /** Creates the room when missing; never changes an existing one. */
  ensureRoom(input: {
    id: string;
    title: string;
    settings?: Record<string, unknown>;
  }): Promise<Room>;
  /** Merges `patch` into the room's settings (top-level keys); throws `NotFoundError` for no room. */
  updateRoomSettings(id: string, patch: Record<string, unknown>): Promise<Room>;
  upsertParticipant(input: {
    roomId: string;
    id: string;
    kind: 'human' | 'agent';
    name: string;
  }): Promise<void>;
}
