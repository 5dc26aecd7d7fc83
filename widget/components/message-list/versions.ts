import type { ChatMessage } from '../../stores/transcript.ts';

/** One bubble of the transcript: a message, or a reply with its versions (docs/architecture.md §3, versions). */
export interface TranscriptItem {
  /** The first version's id (the group's `versionOf`): stable while versions are added. */
  key: string;
  /** Oldest first; the last is the latest version, which everyone sees by default. */
  versions: ChatMessage[];
}

/**
 * The transcript as bubbles: a regenerated reply (`versionOf`) joins its first version's bubble, at
 * that version's place (or the first loaded version's, when paging has not reached it yet).
 * @example versionGroups([reply, otherReply, regenerated]) // [{key: reply.id, versions: [reply, regenerated]}, …]
 */
export function versionGroups(messages: readonly ChatMessage[]): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  const byKey = new Map<string, TranscriptItem>();
  for (const message of messages) {
    const key = message.versionOf ?? message.id;
    const item = byKey.get(key);
    if (item) item.versions.push(message);
    else {
      const created = { key, versions: [message] };
      byKey.set(key, created);
      items.push(created);
    }
  }
  return items;
}
