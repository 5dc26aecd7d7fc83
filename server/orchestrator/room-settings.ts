import type { RoomSettings } from '../../protocol/room.ts';
import { roomSettingsFields } from '../../protocol/schemas/rest.ts';

/** Defaults for settings a room does not set; the server's config can override them. */
export const DEFAULT_ROOM_SETTINGS: RoomSettings = {
  kind: 'shared',
  policy: 'default',
  agents: [],
  guestAccess: true,
  tokensPerDay: 200_000,
  maxAgentTurns: 3,
  welcome: '',
  starters: [],
  handoff: true,
  allowedOrigins: [],
};

/**
 * A room's stored settings over the defaults; a stored value that is not valid (an older or
 * hand-edited row) falls back to the default rather than breaking the room.
 */
export function resolveRoomSettings(
  stored: Record<string, unknown>,
  defaults: RoomSettings = DEFAULT_ROOM_SETTINGS,
): RoomSettings {
  const resolved: RoomSettings = { ...defaults };
  for (const key of Object.keys(roomSettingsFields) as Array<keyof RoomSettings>) {
    const parsed = roomSettingsFields[key].safeParse(stored[key]);
    if (parsed.success) Object.assign(resolved, { [key]: parsed.data });
  }
  return resolved;
}
