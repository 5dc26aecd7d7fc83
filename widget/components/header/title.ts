/**
 * The title the header shows (docs/architecture.md §8, "The first minute in the widget"): the
 * room's own, else `fallback` ("Chat"). A room created by its first visitor has no title, and the
 * server makes one from the id (`kbd-38734` → `Kbd 38734`); such a title with a number in it is
 * an id, not a name.
 * @example readableTitle({ id: 'kbd-38734', title: 'Kbd 38734' }, 'Chat') // 'Chat'
 * @example readableTitle({ id: 'lobby', title: 'Lobby' }, 'Chat') // 'Lobby'
 */
export function readableTitle(
  room: { id: string; title: string } | undefined,
  fallback: string,
): string {
  const title = room?.title.trim() ?? '';
  const fromId =
    title.toLowerCase() === room?.id.replace(/[-_]+/g, ' ').trim().toLowerCase() &&
    /\d/.test(title);
  return title === '' || fromId ? fallback : title;
}
