/**
 * What a tool is: a name the model calls it by, a description, a zod schema for its arguments and
 * an `execute` function. Tool modules (`*.tool.ts` in this folder) `export default defineTool(…)`
 * and the registry (`registry.ts`) discovers them; see docs/architecture.md §5.
 *
 * Tools are adapters: they never import the store, a database driver or the orchestrator. What
 * they may touch of the room comes in through {@link ToolContext}, which the orchestrator builds.
 */
import type { z } from 'zod';
import { AppError } from '../lib/app-error.ts';
import type { KnowledgePassage } from '../store/knowledge.ts';

/** How long a tool may run when its definition names no `timeoutMs`. */
export const DEFAULT_TOOL_TIMEOUT_MS = 10_000;

/** One earlier message of the room, as `searchRoomHistory` finds it. */
export interface RoomHistoryMatch {
  id: string;
  authorName: string;
  content: string;
  /** ISO 8601, as in `Message.createdAt`. */
  createdAt: string;
}

/** One passage of the site's knowledge sources, as `searchKnowledge` finds it (docs/architecture.md §12). */
export type KnowledgeMatch = KnowledgePassage;

/** Everything a tool may use while it runs. The orchestrator builds one per call. */
export interface ToolContext {
  /** The room the call happens in. Tools never take a room id from their arguments. */
  roomId: string;
  /** Aborted when the reply is stopped or the tool's time is up; pass it to anything slow. */
  signal: AbortSignal;
  /** The current time (injected so tests can pin it). */
  now(): Date;
  /** Full-text search over earlier messages of this room only, best match first. */
  searchRoomHistory(query: string, limit: number): Promise<RoomHistoryMatch[]>;
  /** Full-text search over the site's knowledge sources, best first; absent when there are none. */
  searchKnowledge?(query: string, limit: number): Promise<KnowledgeMatch[]>;
}

/**
 * A tool as the registry holds it. `Schema` must be a zod object: providers describe tool
 * parameters as a JSON Schema object.
 */
export interface Tool<Schema extends z.ZodObject = z.ZodObject> {
  /** snake_case, unique, at most 64 characters: what the model calls. */
  name: string;
  /** Tells the model when and how to use the tool. */
  description: string;
  parameters: Schema;
  /** After this many milliseconds the call is aborted and reported as timed out. */
  timeoutMs: number;
  /**
   * Runs the tool with arguments already validated by `parameters`. Returns JSON-serialisable
   * data; throws a {@link ToolError} for a failure the user should read.
   */
  execute(args: z.output<Schema>, context: ToolContext): Promise<unknown>;
}

/** What a tool module writes: a {@link Tool} whose `timeoutMs` may be left out. */
export type ToolDefinition<Schema extends z.ZodObject> = Omit<Tool<Schema>, 'timeoutMs'> & {
  timeoutMs?: number;
};

/**
 * Declares a tool; the `execute` arguments are typed from the schema.
 * @example
 * export default defineTool({
 *   name: 'echo',
 *   description: 'Repeats the given text.',
 *   parameters: z.object({ text: z.string() }),
 *   timeoutMs: 1_000,
 *   async execute({ text }) {
 *     return { text };
 *   },
 * });
 */
export function defineTool<Schema extends z.ZodObject>(
  definition: ToolDefinition<Schema>,
): Tool<Schema> {
  return { ...definition, timeoutMs: definition.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS };
}

/**
 * A failure a tool expects and explains (bad input, nothing found, a service refused). The
 * registry shows its message to the user as it is; any other error becomes a generic message.
 * @example
 * if (divisor === 0) throw new ToolError('Division by zero');
 */
export class ToolError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super({ name: 'ToolError', code: 'tool_failed', message, status: 422, cause: options.cause });
  }
}
