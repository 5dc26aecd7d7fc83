import { atom, type ReadableAtom } from 'nanostores';
import type { AgentInfo } from '../room/api-types.ts';

/** The open @mention menu: what is typed after `@`, where, and the agents that match. */
export interface MentionMenu {
  query: string;
  /** Index of the `@` in the draft. */
  start: number;
  /** Index just after the mention word. */
  end: number;
  options: AgentInfo[];
  /** The highlighted option. */
  active: number;
}

export interface ComposerStore {
  $draft: ReadableAtom<string>;
  $mention: ReadableAtom<MentionMenu | null>;
  /** The draft changed (typing); `caret` is the cursor position. */
  input(text: string, caret: number): void;
  /** The cursor moved without typing: the menu follows it. */
  moveCaret(caret: number): void;
  /** Moves the highlight (ArrowDown = +1, ArrowUp = -1), wrapping. */
  moveMention(step: number): void;
  /** Puts `@handle ` in place of the typed mention; returns the new draft and caret. */
  pickMention(index?: number): { text: string; caret: number } | null;
  /** Escape: closes the menu until the caret leaves this mention. */
  closeMention(): void;
  /**
   * Enter: sends the draft and clears it; returns whether something was sent. A blank draft, or
   * one over {@link MAX_MESSAGE_CHARS} (the server would refuse it for good), is kept unsent.
   */
  submit(): boolean;
}

const MAX_OPTIONS = 8;

/**
 * The longest message the widget sends: the server's default `CHORUS_LIMIT_MESSAGE_CHARS`
 * (docs/architecture.md §8, "The first minute in the widget").
 */
export const MAX_MESSAGE_CHARS = 8_000;

/** The menu's `@all` entry (every agent answers): the component names it from its strings. */
export const MENTION_ALL: AgentInfo = {
  id: '@all',
  handle: 'all',
  name: '',
  color: '',
  model: '',
  description: '',
};

/** Whether a draft can be sent: not blank, and within {@link MAX_MESSAGE_CHARS}. */
export const canSend = (text: string): boolean =>
  text.trim() !== '' && text.length <= MAX_MESSAGE_CHARS;

/**
 * The message being written and its @mention autocomplete (fully keyboard operable: the
 * component maps ArrowUp/Down, Enter/Tab and Escape to these actions).
 * @example
 * const composer = createComposerStore({ $agents, send: transcript.sendMessage, typing });
 * composer.input('Hi @sa', 6); composer.$mention.get()?.options // [Sage]
 */
export function createComposerStore(options: {
  $agents: ReadableAtom<readonly AgentInfo[]>;
  send(text: string): unknown;
  typing: { noteTyping(): void; stopTyping(): void };
}): ComposerStore {
  const $draft = atom('');
  const $mention = atom<MentionMenu | null>(null);
  let dismissedAt: number | null = null;

  const follow = (text: string, caret: number) => {
    const found = findMention(text, caret);
    if (!found || found.start !== dismissedAt) dismissedAt = null;
    if (!found || dismissedAt !== null) {
      $mention.set(null);
      return;
    }
    const matches = matchAgents(options.$agents.get(), found.query);
    if (matches.length === 0) {
      $mention.set(null);
      return;
    }
    const previous = $mention.get();
    const keep =
      previous && previous.start === found.start
        ? matches.findIndex((agent) => agent.id === previous.options[previous.active]?.id)
        : -1;
    $mention.set({ ...found, options: matches, active: Math.max(0, keep) });
  };

  return {
    $draft,
    $mention,
    input(text, caret) {
      $draft.set(text);
      follow(text, caret);
      if (text.trim() === '') options.typing.stopTyping();
      else options.typing.noteTyping();
    },
    moveCaret(caret) {
      follow($draft.get(), caret);
    },
    moveMention(step) {
      const menu = $mention.get();
      if (!menu) return;
      const count = menu.options.length;
      $mention.set({ ...menu, active: (((menu.active + step) % count) + count) % count });
    },
    pickMention(index) {
      const menu = $mention.get();
      const agent = menu?.options[index ?? menu.active];
      if (!menu || !agent) return null;
      const draft = $draft.get();
      const after = draft.slice(menu.end);
      const insert = `@${agent.handle}${after.startsWith(' ') ? '' : ' '}`;
      const text = draft.slice(0, menu.start) + insert + after;
      const caret = menu.start + insert.length + (after.startsWith(' ') ? 1 : 0);
      $draft.set(text);
      $mention.set(null);
      return { text, caret };
    },
    closeMention() {
      const menu = $mention.get();
      if (menu) dismissedAt = menu.start;
      $mention.set(null);
    },
    submit() {
      const text = $draft.get();
      if (!canSend(text)) return false;
      $draft.set('');
      $mention.set(null);
      dismissedAt = null;
      options.typing.stopTyping();
      void options.send(text);
      return true;
    },
  };
}

/**
 * The @mention being typed at `caret`: an `@` at the start or after a space, then handle
 * characters up to the caret (the rest of that word is replaced too when one is picked).
 * @example findMention('hi @sa', 6) // { query: 'sa', start: 3, end: 6 }
 */
export function findMention(
  text: string,
  caret: number,
): { query: string; start: number; end: number } | null {
  const match = /(?:^|\s)@([\w-]*)$/.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[1] ?? '';
  const rest = /^[\w-]*/.exec(text.slice(caret))?.[0] ?? '';
  return { query: query.toLowerCase(), start: caret - query.length - 1, end: caret + rest.length };
}

/**
 * Agents whose handle or name starts with the query (handles first), at most eight, then
 * {@link MENTION_ALL} when the room has several agents and the query starts `all`.
 * @example matchAgents(agents, 'sc') // [Scout]
 * @example matchAgents(agents, 'al') // [MENTION_ALL]
 */
export function matchAgents(agents: readonly AgentInfo[], query: string): AgentInfo[] {
  const all = agents.length > 1 && 'all'.startsWith(query) ? [MENTION_ALL] : [];
  const byHandle = agents.filter((agent) => agent.handle.toLowerCase().startsWith(query));
  const byName = agents.filter(
    (agent) =>
      !byHandle.includes(agent) &&
      agent.name
        .toLowerCase()
        .split(/\s+/)
        .some((word) => word.startsWith(query)),
  );
  return [...[...byHandle, ...byName].slice(0, MAX_OPTIONS - all.length), ...all];
}
