/**
 * The PostgREST read of `messages` (`GET /rest/v1/messages`, docs/architecture.md §9): what
 * supabase-js's `from('messages').select()` is answered with, and its errors, in PostgREST's shape.
 */
import { z } from 'zod';

export const messageRowSchema = z
  .record(z.string(), z.unknown())
  .describe(
    "A `messages` row as Postgres gives it: the table's columns by their snake_case names (`room_id`, `author_kind`, `created_at`…), the row `postgres_changes` sends.",
  );

export const messageRowsSchema = z.array(messageRowSchema);

export const postgrestErrorSchema = z
  .strictObject({
    code: z.string().describe("PostgREST's or Postgres's code: `PGRST301`, `PGRST205`, `42703`…"),
    message: z.string(),
    details: z.string().nullable(),
    hint: z.string().nullable(),
  })
  .describe('An error of the PostgREST read, in the shape supabase-js hands to the caller.');
