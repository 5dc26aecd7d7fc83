/**
 * One tool call, end to end: parse and validate the arguments, run with a timeout and the
 * caller's abort signal, and turn whatever happened into data. Nothing here throws: a failure is
 * an `{ error }` the room shows, as docs/architecture.md §5 and PRODUCT.md ask ("a tool failure is
 * shown, not swallowed").
 */
import type { z } from 'zod';
import { cutText } from '../../protocol/text.ts';
import { ToolError, type Tool, type ToolContext } from './tool.ts';

/** The result of a call: JSON data, or a message that says what went wrong. */
export type ToolOutcome = { result: unknown } | { error: string };

/** The largest result kept, in characters of JSON, unless the registry is told otherwise. */
export const DEFAULT_MAX_RESULT_CHARACTERS = 8_000;

export interface RunToolOptions {
  /** Results longer than this (as JSON) are replaced by a truncated preview with a note. */
  maxResultCharacters?: number;
  /** Called with errors that are not a `ToolError` (bugs, a failing store), e.g. to log them. */
  onUnexpectedError?: (error: unknown, toolName: string) => void;
}

/**
 * Runs `tool` with `rawArgs` as a model sent them (an object, a JSON string, or nothing).
 * @example
 * const outcome = await runTool(calculator, { expression: '2+2' }, context);
 * if ('error' in outcome) console.log(outcome.error); else console.log(outcome.result);
 */
export async function runTool(
  tool: Tool,
  rawArgs: unknown,
  context: ToolContext,
  options: RunToolOptions = {},
): Promise<ToolOutcome> {
  const parsed = parseArguments(tool, rawArgs);
  if ('error' in parsed) return parsed;
  if (context.signal.aborted)
    return { error: `The call to ${tool.name} was cancelled before it started.` };

  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(tool.timeoutMs)]);
  try {
    const value = await untilAborted(
      new Promise<unknown>((resolve) => resolve(tool.execute(parsed.args, { ...context, signal }))),
      signal,
    );
    return toJsonResult(
      tool.name,
      value,
      options.maxResultCharacters ?? DEFAULT_MAX_RESULT_CHARACTERS,
    );
  } catch (error) {
    if (context.signal.aborted) return { error: `The call to ${tool.name} was cancelled.` };
    if (signal.aborted) return { error: `${tool.name} timed out after ${tool.timeoutMs} ms.` };
    if (error instanceof ToolError) return { error: error.message };
    options.onUnexpectedError?.(error, tool.name);
    return { error: `${tool.name} failed unexpectedly.` };
  }
}

function parseArguments(
  tool: Tool,
  rawArgs: unknown,
): { args: z.output<z.ZodObject> } | { error: string } {
  let candidate = rawArgs;
  // Models send "no arguments" as nothing, null or an empty string, and some send JSON text.
  if (candidate === undefined || candidate === null || candidate === '') candidate = {};
  if (typeof candidate === 'string') {
    try {
      candidate = JSON.parse(candidate);
    } catch {
      return { error: `Invalid arguments for ${tool.name}: they are not valid JSON.` };
    }
  }
  const validation = tool.parameters.safeParse(candidate);
  if (validation.success) return { args: validation.data };
  const problems = validation.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return field === '' ? issue.message : `${field}: ${issue.message}`;
  });
  return { error: `Invalid arguments for ${tool.name}: ${problems.join('; ')}.` };
}

/** Settles with `work`, or rejects as soon as `signal` aborts (for tools that ignore it). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Copies `value` as plain JSON data, truncated to `maxCharacters` with a note. */
function toJsonResult(toolName: string, value: unknown, maxCharacters: number): ToolOutcome {
  let json: string | undefined;
  try {
    json = JSON.stringify(value ?? null);
  } catch {
    json = undefined;
  }
  if (json === undefined) return { error: `${toolName} returned a result that is not JSON data.` };
  // A text result is measured (and cut) as text, anything else as its JSON.
  const full = typeof value === 'string' ? value : json;
  if (full.length <= maxCharacters) return { result: JSON.parse(json) as unknown };
  return {
    result: {
      truncated: true,
      note: `The result was ${full.length} characters long; only the first ${maxCharacters} are shown.`,
      preview: cutText(full, maxCharacters),
    },
  };
}
