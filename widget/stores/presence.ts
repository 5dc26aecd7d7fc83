import { atom, computed, onMount, type ReadableAtom } from 'nanostores';
import { isStaffRole, type PresenceMeta } from '../../protocol/room.ts';
import type { RoomConnection, RoomInfo, SessionInfo } from '../room/room-connection.ts';
import type { ChatMessage } from './transcript.ts';
import { displayName } from './typing.ts';

/** `unknown` while the connection is down: the last presence heard may no longer be true. */
export type AgentStatus = 'idle' | 'thinking' | 'streaming' | 'unknown';

export interface AgentView {
  id: string;
  handle: string;
  name: string;
  color: string | null;
  model: string | null;
  description: string | null;
  status: AgentStatus;
}

export interface PersonView {
  id: string;
  name: string;
  self: boolean;
  /** Of the site's team (presence meta `role`, set by the server). */
  staff: boolean;
  /** Last seen before the connection dropped: maybe gone (never true of ourselves). */
  unknown: boolean;
}

export interface Participants {
  agents: AgentView[];
  people: PersonView[];
}

export interface PresenceStore {
  /** Raw presence of the channel. */
  $present: ReadableAtom<PresenceMeta[]>;
  /** Who is here: the room's agents with their status, and the people present (us first). */
  $participants: ReadableAtom<Participants>;
}

/**
 * Who is in the room. Agents come from the room's list, their status from presence (which
 * changes only at turn boundaries) and from the transcript (a reply streaming now means
 * `streaming`, even before presence catches up).
 * @example const { $participants } = createPresenceStore(client, { $room, $session, $messages });
 */
export function createPresenceStore(
  connection: RoomConnection,
  stores: {
    $room: ReadableAtom<RoomInfo | undefined>;
    $session: ReadableAtom<SessionInfo | undefined>;
    $messages: ReadableAtom<ChatMessage[]>;
  },
): PresenceStore {
  const $present = atom<PresenceMeta[]>([]);
  onMount($present, () =>
    connection.on('presence', (present: unknown) => $present.set(validMetas(present))),
  );
  // Presence is only as true as the connection: while it is down, nobody's status is known.
  const $online = atom(false);
  onMount($online, () => {
    $online.set(connection.state().status === 'open');
    return connection.on('state', ({ status }) => $online.set(status === 'open'));
  });

  const $streamingAuthors = computed(stores.$messages, (messages) => {
    const ids = messages
      .filter((message) => message.status === 'streaming' && message.author.kind === 'agent')
      .map((message) => message.author.id);
    return ids.sort().join('\n');
  });

  const $participants = computed(
    [$present, stores.$room, stores.$session, $streamingAuthors, $online],
    (present, room, session, streamingAuthors, online): Participants => {
      const streaming = new Set(streamingAuthors === '' ? [] : streamingAuthors.split('\n'));
      const presentAgents = new Map(
        present.filter((meta) => meta.kind === 'agent').map((meta) => [meta.id, meta]),
      );
      const agents: AgentView[] = (room?.agents ?? []).map((agent) => {
        const meta = presentAgents.get(agent.id) ?? presentAgents.get(agent.handle);
        const status: AgentStatus = !online
          ? 'unknown'
          : streaming.has(agent.id) || streaming.has(agent.handle)
            ? 'streaming'
            : (meta?.status ?? 'idle');
        return {
          id: agent.id,
          handle: agent.handle,
          name: agent.name,
          color: agent.color ?? meta?.color ?? null,
          model: agent.model,
          description: agent.description,
          status,
        };
      });
      const selfId = session?.participant.id;
      const people = new Map<string, PersonView>();
      if (session)
        people.set(session.participant.id, {
          id: session.participant.id,
          name: session.participant.name,
          self: true,
          staff: isStaffRole(session.participant.role),
          unknown: false,
        });
      for (const meta of present) {
        if (meta.kind === 'human' && !people.has(meta.id))
          people.set(meta.id, {
            id: meta.id,
            name: meta.name,
            self: meta.id === selfId,
            staff: isStaffRole(meta.role),
            unknown: !online && meta.id !== selfId,
          });
      }
      const sorted = [...people.values()].sort(
        (a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name),
      );
      return { agents, people: sorted };
    },
  );

  return { $present, $participants };
}

const AGENT_STATUSES: ReadonlySet<unknown> = new Set(['idle', 'thinking', 'streaming']);

/**
 * The metas of a presence update that can be shown, names cut: metas come from other browsers,
 * and a hosted Realtime cannot check them (docs/decisions.md, "Realtime hub: what members may
 * say"), so one without a string `id` or a known `kind` is left out and an unknown status dropped.
 */
function validMetas(present: unknown): PresenceMeta[] {
  if (!Array.isArray(present)) return [];
  return (present as Array<PresenceMeta | null>)
    .filter(
      (meta): meta is PresenceMeta =>
        typeof meta?.id === 'string' && (meta.kind === 'human' || meta.kind === 'agent'),
    )
    .map((meta) => ({
      ...meta,
      name: displayName(meta.name),
      status: AGENT_STATUSES.has(meta.status) ? meta.status : undefined,
    }));
}
