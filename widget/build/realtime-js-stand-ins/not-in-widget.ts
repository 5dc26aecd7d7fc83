/**
 * What every stand-in for the postgres_changes side of realtime-js does when called: fail with a
 * clear message. The widget only uses broadcast and presence (docs/architecture.md §3), so reaching this
 * means the widget started using something the trimmed build left out (widget/build/trim-realtime-js.ts).
 * @example export const convertChangeData = notInWidget;
 */
export function notInWidget(): never {
  throw new Error('postgres_changes is not part of the Chorus widget build');
}
