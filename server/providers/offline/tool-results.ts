/**
 * Reads a tool result from the transcript (the `content` of a `tool` turn) into one sentence an
 * offline persona can say. Results are JSON as the tool registry produces them (`{ result }` or
 * `{ error }`, or the bare result); anything else is quoted as text.
 */
import { isRecord } from '../../lib/is-record.ts';
import { excerpt } from './transcript-reading.ts';

export type ToolResultSummary =
  { isError: false; sentence: string } | { isError: true; error: string };

/**
 * One sentence for the result of tool `name` called with `args`.
 * @example
 * summarizeToolResult('calculator', { expression: '12*7' }, '{"result":{"expression":"12*7","value":84}}');
 * // { isError: false, sentence: '12*7 = 84.' }
 */
export function summarizeToolResult(
  name: string,
  args: unknown,
  content: string,
): ToolResultSummary {
  let value: unknown = content;
  try {
    value = JSON.parse(content) as unknown;
  } catch {
    // Plain text: used as it is.
  }
  if (isRecord(value) && typeof value.error === 'string')
    return { isError: true, error: value.error };
  if (isRecord(value) && 'result' in value) value = value.result;
  const argument = (key: string): string | undefined =>
    isRecord(args) && typeof args[key] === 'string' ? args[key] : undefined;

  if (name === 'calculator') {
    const expression =
      (isRecord(value) && typeof value.expression === 'string'
        ? value.expression
        : argument('expression')) ?? 'The expression';
    const answer = isRecord(value) && 'value' in value ? value.value : value;
    return { isError: false, sentence: `${expression} = ${formatValue(answer)}.` };
  }
  if (name === 'current_time' && isRecord(value)) {
    const when =
      typeof value.readable === 'string'
        ? value.readable
        : typeof value.iso === 'string'
          ? value.iso
          : formatValue(value);
    const zone = typeof value.timeZone === 'string' ? ` (${value.timeZone})` : '';
    return { isError: false, sentence: `It is ${when}${zone}.` };
  }
  if (name === 'search_room_history' && isRecord(value) && Array.isArray(value.matches)) {
    return {
      isError: false,
      sentence: describeMatches(argument('query') ?? String(value.query ?? ''), value.matches),
    };
  }
  return {
    isError: false,
    sentence: `The ${name} tool answered: ${excerpt(formatValue(value), 200)}`,
  };
}

function describeMatches(query: string, matches: unknown[]): string {
  if (matches.length === 0) return `Nothing in the room history mentions “${query}” yet.`;
  const quoted = matches.slice(0, 3).map((match) => {
    if (!isRecord(match)) return `“${excerpt(formatValue(match), 80)}”`;
    const author = typeof match.authorName === 'string' ? match.authorName : 'someone';
    return `${author}: “${excerpt(typeof match.content === 'string' ? match.content : formatValue(match), 80)}”`;
  });
  const count = matches.length === 1 ? 'one message' : `${matches.length} messages`;
  return `The room history has ${count} about “${query}”: ${quoted.join('; ')}.`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? 'nothing';
}
