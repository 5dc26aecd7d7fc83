/**
 * Rooms as the API describes them (docs/architecture.md §3, §8): a room's settings with their
 * rules, the room a session is about, and the admin API's bodies and answers.
 */
import { z } from 'zod';
import { UNSAFE_NAME_CHARACTERS } from '../display-name.ts';
import { CONVERSATION_STATUSES, ROOM_KINDS, SPEAKER_POLICIES } from '../room.ts';

/** An agent handle, without the `@`. */
export const agentHandleSchema = z
  .string()
  .regex(
    /^[a-z0-9_-]{2,32}$/,
    'must be an agent handle (2–32 characters of a–z, 0–9, _ or -, without the @)',
  )
  .describe('An agent handle, without the `@`.');

/** An origin as browsers send it: scheme, host and port, no path. */
const ORIGIN_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;
export const MAX_WELCOME_CHARS = 1000;
export const MAX_STARTERS = 6;
export const MAX_STARTER_CHARS = 120;

const safeText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((text) => !UNSAFE_NAME_CHARACTERS.test(text), 'must not contain control characters');

/**
 * A room's settings, each with its rules: the answer of `GET /api/rooms/:room`, and (any subset)
 * the body of `PUT /api/admin/rooms/:room`. A child conversation has its support room's settings.
 */
export const roomSettingsFields = {
  kind: z
    .enum(ROOM_KINDS)
    .describe('`shared`: one transcript for all; `support`: a private conversation per visitor.'),
  policy: z.enum(SPEAKER_POLICIES).describe('Who answers a message that @mentions no agent.'),
  agents: z
    .array(agentHandleSchema)
    .max(32, 'must list at most 32 agents')
    .describe('Handles of the agents in the room; empty means every persona the server has.'),
  guestAccess: z
    .boolean()
    .describe('Whether anonymous guests may join (else a host-signed identity is required).'),
  tokensPerDay: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be at least 0')
    .describe(
      'Model tokens (input + output) the room may spend per UTC day (a support room: all its conversations together).',
    ),
  maxAgentTurns: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be from 0 to 20')
    .max(20, 'must be from 0 to 20')
    .describe('Agent-to-agent turns allowed after one human message.'),
  welcome: safeText(MAX_WELCOME_CHARS).describe(
    'Greeting shown in an empty conversation (plain text; empty: none).',
  ),
  starters: z
    .array(safeText(MAX_STARTER_CHARS).refine((text) => text.trim() !== '', 'must not be blank'))
    .max(MAX_STARTERS, `must list at most ${MAX_STARTERS} starters`)
    .describe('Suggested first questions, shown as buttons in an empty conversation.'),
  handoff: z
    .boolean()
    .describe('Support rooms: whether visitors may ask for a person ("Talk to a person").'),
  allowedOrigins: z
    .array(z.string().regex(ORIGIN_PATTERN, 'must be an origin like https://www.example.com'))
    .max(50, 'must list at most 50 origins')
    .describe(
      'Pages that may open sessions for this room (empty: any the server allows, CHORUS_ALLOWED_ORIGINS).',
    ),
};

export const roomSettingsSchema = z.strictObject(roomSettingsFields).describe("A room's settings.");

export const adminRoomUpdateSchema = z
  .strictObject({
    title: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(120, 'must be at most 120 characters')
      .refine((text) => !UNSAFE_NAME_CHARACTERS.test(text), 'must not contain control characters')
      .optional(),
    ...Object.fromEntries(
      Object.entries(roomSettingsFields).map(([key, field]) => [key, field.optional()]),
    ),
  } as { title: z.ZodOptional<z.ZodString> } & {
    [Key in keyof typeof roomSettingsFields]: z.ZodOptional<(typeof roomSettingsFields)[Key]>;
  })
  .describe(
    'Any of the title and settings; what is left out stays as it is. Creates the room when missing.',
  );

/** The room a session or a room answer is about. */
export const roomSummarySchema = z
  .strictObject({
    id: z
      .string()
      .describe('The room the token is for: in a support room, the visitor’s conversation.'),
    parent: z.string().nullable().describe('A conversation: its support room; else null.'),
    kind: z.enum(ROOM_KINDS),
    title: z.string(),
    status: z
      .enum(CONVERSATION_STATUSES)
      .nullable()
      .describe('A conversation: who answers it; else null.'),
    welcome: z.string(),
    starters: z.array(z.string()),
    handoff: z.boolean().describe('Whether the visitor may ask for a person.'),
  })
  .describe('A room, or a visitor’s conversation in a support room.');

export const adminRoomSchema = z
  .strictObject({
    id: z.string(),
    title: z.string(),
    settings: roomSettingsSchema,
    conversations: z
      .number()
      .int()
      .describe('Support rooms: conversations not closed (0 for shared rooms).'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('A room as the admin API shows it.');
export const adminRoomsResponseSchema = z.strictObject({ rooms: z.array(adminRoomSchema) });
export const adminRoomResponseSchema = z.strictObject({ room: adminRoomSchema });

export type RoomSettings = z.infer<typeof roomSettingsSchema>;
export type RoomSettingsPatch = z.infer<typeof adminRoomUpdateSchema>;
export type RoomSummary = z.infer<typeof roomSummarySchema>;
export type AdminRoom = z.infer<typeof adminRoomSchema>;
