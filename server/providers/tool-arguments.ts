/**
 * Tool-call arguments arrive as JSON text streamed in fragments (OpenAI `function.arguments`,
 * Anthropic `input_json_delta`). Once a call is complete its text is parsed here, the same way for
 * every adapter.
 */

/**
 * The parsed arguments of a finished tool call: `{}` for an empty string, the parsed JSON when it
 * parses, and otherwise the raw text, so the tool's own schema rejects it and the failure is shown
 * as a tool result instead of being swallowed.
 * @example
 * parseToolArguments('{"expression":"12*7"}'); // { expression: '12*7' }
 * parseToolArguments(''); // {}
 */
export function parseToolArguments(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The JSON text sent back to a provider for arguments parsed by {@link parseToolArguments}.
 * @example
 * serializeToolArguments({ expression: '12*7' }); // '{"expression":"12*7"}'
 */
export function serializeToolArguments(args: unknown): string {
  if (typeof args === 'string') return args;
  return JSON.stringify(args ?? {});
}
