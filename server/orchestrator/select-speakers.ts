import type { ReplyReason, RoomSettings } from '../../protocol/room.ts';
import { extractMentions } from './mentions.ts';
import type { Persona } from './persona-file.ts';

export interface Speaker {
  persona: Persona;
  reason: ReplyReason;
}

/** Handles that address every agent in the room. */
const EVERYONE = new Set(['all', 'everyone', 'here']);

/**
 * Who answers a human message (docs/architecture.md §5): the agents it @mentions; else the room's
 * policy: `all` agents, the `relevant` ones (whose keywords or description words appear in the
 * message; the default agent when none does), or the `default` agent. Each agent at most once.
 * @example selectSpeakers('@scout what is 2+2?', agents, settings) // [{ persona: scout, reason: 'mention' }]
 */
export function selectSpeakers(
  text: string,
  agents: readonly Persona[],
  settings: Pick<RoomSettings, 'policy'>,
  defaultAgent?: Persona,
): Speaker[] {
  if (agents.length === 0) return [];
  const mentioned = extractMentions(text);
  if (mentioned.some((handle) => EVERYONE.has(handle)))
    return agents.map((persona) => ({ persona, reason: 'mention' }));
  const byMention = mentioned.flatMap((handle) =>
    agents.filter((persona) => persona.handle === handle),
  );
  if (byMention.length > 0) return byMention.map((persona) => ({ persona, reason: 'mention' }));

  const fallback =
    defaultAgent && agents.includes(defaultAgent)
      ? defaultAgent
      : (agents.find((persona) => persona.isDefault) ?? agents[0]!);
  switch (settings.policy) {
    case 'all':
      return agents.map((persona) => ({ persona, reason: 'all' }));
    case 'relevant': {
      const words = new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
      const relevant = agents.filter((persona) =>
        persona.keywords.some((keyword) => words.has(keyword.toLowerCase())),
      );
      return relevant.length > 0
        ? relevant.map((persona) => ({ persona, reason: 'selected' }))
        : [{ persona: fallback, reason: 'default' }];
    }
    case 'default':
      return [{ persona: fallback, reason: 'default' }];
  }
}

/**
 * Agents an agent's reply hands off to: those it @mentions, in order, other than itself and
 * those that already spoke in this round.
 */
export function selectHandoffs(
  replyText: string,
  speaker: Persona,
  agents: readonly Persona[],
  alreadySpoke: ReadonlySet<string>,
): Persona[] {
  return extractMentions(replyText)
    .filter((handle) => handle !== speaker.handle && !alreadySpoke.has(handle))
    .flatMap((handle) => agents.filter((persona) => persona.handle === handle));
}
