/** `@handle` at the start or after a non-word character (so `ada@example.com` is not one). */
const MENTION = /(?<![\w@.])@([a-z0-9_-]{2,32})\b/gi;

/** Handles mentioned in `text`, lower case, in order of first mention, without repeats. */
export function extractMentions(text: string): string[] {
  const handles: string[] = [];
  for (const match of text.matchAll(MENTION)) {
    const handle = match[1]!.toLowerCase();
    if (!handles.includes(handle)) handles.push(handle);
  }
  return handles;
}
