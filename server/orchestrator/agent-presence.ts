import type { Logger } from '../lib/logger.ts';
import type { RoomBus } from '../realtime/room-bus.ts';
import type { Persona } from './persona-file.ts';
import type { PersonaCatalog } from './personas.ts';

/**
 * The agents' side of a room's presence (docs/architecture.md §3, §7): they appear idle when
 * someone opens the room, show `streaming` while a reply of theirs runs in this process, and
 * leave once the room is quiet and its people are gone.
 */
export class AgentPresence {
  constructor(
    private readonly deps: {
      bus: Pick<RoomBus, 'presence' | 'trackAgent' | 'untrackAgent'>;
      personas: PersonaCatalog;
      log: Logger;
      /** Whether this process streams a reply of `handle` in the room now. */
      isStreaming(roomId: string, handle: string): boolean;
    },
  ) {}

  /** Shows `agents` in the room's presence, each idle or streaming. */
  async show(roomId: string, agents: readonly Persona[]): Promise<void> {
    await Promise.all(
      agents.map((persona) =>
        this.deps.bus.trackAgent(roomId, persona.handle, {
          name: persona.name,
          color: persona.color,
          status: this.deps.isStreaming(roomId, persona.handle) ? 'streaming' : 'idle',
        }),
      ),
    );
  }

  /**
   * A quiet room whose people have all left: its agents leave its presence (a room's channels are
   * held only while it is active). False while people are still there.
   */
  async release(roomId: string): Promise<boolean> {
    const { bus, personas, log } = this.deps;
    const present = await bus.presence(roomId);
    if (present.some((entry) => entry.meta['kind'] !== 'agent')) return false;
    const tracked = new Set(present.map((entry) => entry.key));
    const leaving = personas.personas.filter((persona) => tracked.has(persona.handle));
    await Promise.all(leaving.map((persona) => bus.untrackAgent(roomId, persona.handle)));
    if (leaving.length > 0)
      log('debug', 'orchestrator.agents_left', {
        roomId,
        agents: leaving.map((persona) => persona.handle),
      });
    return true;
  }
}
