import { z } from 'zod';
import { SPEAKER_POLICIES, type RoomSettings } from '../../protocol/room.ts';

/** Defaults for settings a room does not set; the server's config can override them. */
export const DEFAULT_ROOM_SETTINGS: RoomSettings = {
  policy: 'default',
  agents: [],
  guestAccess: true,
  tokensPerDay: 200_000,
  maxAgentTurns: 3,
};

const settingsSchema = z.object({
  policy: z.enum(SPEAKER_POLICIES),
  agents: z.array(z.string().regex(/^[a-z0-9_-]{2,32}$/)).max(32),
  guestAccess: z.boolean(),
  tokensPerDay: z.number().int().min(0),
  maxAgentTurns: z.number().int().min(0).max(20),
});

/** The schema of a settings update: any subset of the settings. */
export const roomSettingsPatchSchema = settingsSchema.partial().strict();

/**
 * A room's stored settings over the defaults; a stored value that is not valid (an older or
 * hand-edited row) falls back to the default rather than breaking the room.
 */
export function resolveRoomSettings(
  stored: Record<string, unknown>,
  defaults: RoomSettings = DEFAULT_ROOM_SETTINGS,
): RoomSettings {
  const resolved: RoomSettings = { ...defaults };
  for (const key of Object.keys(settingsSchema.shape) as Array<keyof RoomSettings>) {
    const parsed = settingsSchema.shape[key].safeParse(stored[key]);
    if (parsed.success) Object.assign(resolved, { [key]: parsed.data });
  }
  return resolved;
}
