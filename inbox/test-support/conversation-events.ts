import type { Conversation } from '../../protocol/room.ts';
import { nextTime } from '../../protocol/test-support/messages.ts';

/** A `conversation-updated` payload: the conversation with these changes, and newer activity. */
export function conversationUpdated(
  conversation: Conversation,
  changes: Partial<Conversation> = {},
): { conversation: Conversation } {
  const next: Conversation = { ...conversation, updatedAt: nextTime(), ...changes };
  if (changes.status) next.waiting = changes.status === 'waiting';
  Object.assign(conversation, next);
  return { conversation: { ...next } };
}
