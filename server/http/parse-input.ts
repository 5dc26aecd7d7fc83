import type { z } from 'zod';
import { ERROR_CODE, HttpError } from './http-error.ts';

/** Where the input came from, for messages that name the field the way the caller sent it. */
export type InputSource = 'body' | 'query' | 'path';

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'a list',
};

/** Messages for the issues a schema does not word itself; they read after the field's name. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string')
        return issue.minimum === 1
          ? 'must not be empty'
          : `must be at least ${issue.minimum} characters`;
      return `must be at least ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters`;
      return `must be at most ${issue.maximum}`;
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'an unknown field' : 'unknown fields'} ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}`;
    case 'invalid_format':
      return 'has an invalid format';
    case 'invalid_value':
      return `must be ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'invalid_union': {
      // Reached when the input has none of the options' types (see `optionIssues`).
      const types = issue.errors.map((option) =>
        option[0]?.code === 'invalid_type'
          ? (TYPE_NAMES[option[0].expected] ?? option[0].expected)
          : undefined,
      );
      return types.every((type) => type !== undefined)
        ? `must be ${types.join(' or ')}`
        : undefined;
    }
    default:
      return undefined;
  }
}

function subject(path: readonly PropertyKey[], source: InputSource): string {
  if (path.length === 0)
    return source === 'body'
      ? 'The request body'
      : source === 'query'
        ? 'The query string'
        : 'The URL';
  const name = JSON.stringify(path.map(String).join('.'));
  return source === 'body'
    ? name
    : source === 'query'
      ? `Query parameter ${name}`
      : `URL parameter ${name}`;
}

/** The issues of a union as those of the one option whose type the input has (text or an object), so they name the field. */
function optionIssues(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const typed = issue.errors.filter(
    (option) =>
      !(option.length === 1 && option[0]!.code === 'invalid_type' && option[0]!.path.length === 0),
  );
  if (typed.length !== 1) return [issue];
  return typed[0]!.flatMap((inner) =>
    optionIssues({ ...inner, path: [...issue.path, ...inner.path] }),
  );
}

/**
 * Parses `input` with `schema`, or throws a 400 `invalid_request` whose message names each bad
 * field: `"content" must be at most 8000 characters.`
 * @example const body = parseInput(sessionRequestSchema, request.body, 'body');
 */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  source: InputSource,
): z.output<Schema> {
  const result = schema.safeParse(input, { error: describeIssue });
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap(optionIssues);
  const messages = issues
    .slice(0, 3)
    .map((issue) => `${subject(issue.path, source)} ${issue.message}`);
  const more = issues.length - messages.length;
  throw new HttpError(
    400,
    ERROR_CODE.INVALID_REQUEST,
    `${messages.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}.`,
    { cause: result.error },
  );
}
