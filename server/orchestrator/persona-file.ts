/**
 * The persona file format: one Markdown file per AI agent (docs/architecture.md §5). The YAML
 * front matter says who the agent is and which model and tools it uses; the body is its system
 * prompt.
 *
 * ```md
 * ---
 * name: Scout
 * handle: scout                  # the @mention: 2–32 of a-z 0-9 _ -, unique
 * provider: offline              # openai | anthropic | http | offline
 * model: scout                   # optional for http (default: the handle)
 * color: "#1d4ed8"               # quoted: YAML reads an unquoted # as a comment
 * tools: [calculator, current_time]
 * description: Terse researcher who checks facts with tools.
 * keywords: [calculate, time]    # optional, a hint for the `relevant` speaker policy
 * default: true                  # optional, the room's default speaker (at most one)
 * temperature: 0.3               # optional, 0–2
 * maxOutputTokens: 800           # optional
 * url: https://agents.example.com/chorus   # http only, required: where Chorus POSTs the turn
 * baseUrl: https://api.groq.com/openai/v1  # openai only, optional: this persona's server
 * apiKeyEnv: GROQ_API_KEY        # openai and http, optional: the variable holding the key
 * ---
 * You are Scout, …
 * ```
 *
 * {@link parsePersonaFile} answers a persona or every problem of the file, each phrased for the
 * person who wrote it; `personas.ts` loads a folder of them into a catalog.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { isRecord } from '../lib/is-record.ts';

export const PERSONA_PROVIDERS = ['openai', 'anthropic', 'http', 'offline'] as const;
export type PersonaProvider = (typeof PERSONA_PROVIDERS)[number];

/** A persona's handle: what follows the `@` in a mention. */
export const HANDLE_PATTERN = /^[a-z0-9_-]{2,32}$/;
const MAX_SYSTEM_PROMPT_CHARACTERS = 20_000;

/** One agent persona, validated. */
export interface Persona {
  name: string;
  /** Lower case, without the `@`. */
  handle: string;
  provider: PersonaProvider;
  model: string;
  /** `#rrggbb`, lower case. */
  color: string;
  /** Tool names this persona may call; all known to the tool registry. */
  tools: string[];
  /** One line, used for speaker selection and shown in the room's agent list. */
  description: string;
  /** Lower-case hints for the `relevant` speaker policy; may be empty. */
  keywords: string[];
  /** Marked `default: true`: the room's default speaker. At most one persona of a catalog is. */
  isDefault: boolean;
  temperature?: number;
  maxOutputTokens?: number;
  /** `provider: http` only: the agent's endpoint (http or https). */
  url?: string;
  /** `provider: openai` only: this persona's OpenAI-compatible server, instead of `OPENAI_BASE_URL`. */
  baseUrl?: string;
  /** The NAME of the environment variable that holds this persona's key (never the key). */
  apiKeyEnv?: string;
  /** The Markdown body of the file, trimmed. */
  systemPrompt: string;
  /** The file it came from, for messages. */
  sourceFile: string;
}

/**
 * Which providers this server has credentials for (`http` needs none), and the names of the
 * `*_API_KEY` variables that are set, which a persona's `apiKeyEnv` may name.
 */
export type ProviderAvailability = Readonly<
  Record<Exclude<PersonaProvider, 'http'>, boolean> & { apiKeyNames?: readonly string[] }
>;

/** What `apiKeyEnv` may name: the variables server/config.ts hands to the providers. */
const API_KEY_ENV_PATTERN = /^[A-Z][A-Z0-9_]*_API_KEY$/;

function httpUrl(example: string) {
  // The value is never repeated in a problem: a URL may carry a token, and problems are printed.
  const message = `must be an http(s) URL such as ${example}`;
  return z
    .string({ error: message })
    .trim()
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), message)
    .optional();
}

/** A zod string check whose messages read well after a field name: `"model" is required`. */
function text(expected: string) {
  return z.string({
    error: (issue) => (issue.input === undefined ? 'is required' : `must be ${expected}`),
  });
}

function list(of: string) {
  return z.array(z.string({ error: `must list ${of} as text` }), {
    error: `must be a list of ${of}, e.g. [a, b]`,
  });
}

const frontMatterSchema = z.strictObject(
  {
    name: text('text').trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
    handle: text('text').regex(
      HANDLE_PATTERN,
      'must be 2–32 characters of a–z, 0–9, _ or - (lower case, no @)',
    ),
    provider: z.enum(PERSONA_PROVIDERS, {
      error: (issue) =>
        issue.input === undefined
          ? 'is required'
          : `must be one of ${PERSONA_PROVIDERS.join(', ')}`,
    }),
    model: text('text').trim().min(1, 'must not be empty'),
    color: z
      .string({
        error: (issue) =>
          issue.input === undefined
            ? 'is required'
            : issue.input === null
              ? 'is empty: quote the value, e.g. color: "#1d4ed8" (YAML reads an unquoted # as a comment)'
              : 'must be a hex colour like "#1d4ed8"',
      })
      .regex(/^#[0-9a-fA-F]{6}$/, 'must be a hex colour like "#1d4ed8"')
      .transform((color) => color.toLowerCase()),
    tools: list('tool names').default([]),
    description: text('text')
      .trim()
      .min(1, 'must not be empty')
      .max(300, 'must be at most 300 characters'),
    keywords: list('keywords')
      .default([])
      .transform((keywords) =>
        keywords.map((keyword) => keyword.trim().toLowerCase()).filter(Boolean),
      ),
    default: z.boolean({ error: 'must be true or false' }).default(false),
    temperature: z
      .number({ error: 'must be a number' })
      .min(0, 'must be from 0 to 2')
      .max(2, 'must be from 0 to 2')
      .optional(),
    maxOutputTokens: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(200_000, 'must be at most 200000')
      .optional(),
    url: httpUrl('https://agents.example.com/chorus'),
    baseUrl: httpUrl('https://api.groq.com/openai/v1'),
    apiKeyEnv: z
      .string({ error: 'must be the name of an environment variable, e.g. GROQ_API_KEY' })
      .trim()
      .regex(
        API_KEY_ENV_PATTERN,
        'must name an environment variable ending in _API_KEY (upper case), e.g. GROQ_API_KEY',
      )
      .optional(),
  },
  {
    error: (issue) =>
      issue.code === 'invalid_type' ? 'must be a YAML mapping of fields' : undefined,
  },
);

const PROVIDER_SETUP: Record<Exclude<PersonaProvider, 'http'>, string> = {
  openai: 'set OPENAI_API_KEY or OPENAI_BASE_URL',
  anthropic: 'set ANTHROPIC_API_KEY',
  offline: 'it is built in',
};

/** Parses one persona file's text; returns the persona or its problems (without the file name). */
export function parsePersonaFile(
  source: string,
  context: {
    sourceFile: string;
    toolNames: ReadonlySet<string>;
    providerAvailability: ProviderAvailability;
  },
): Persona | string[] {
  const split = splitFrontMatter(source);
  if (typeof split === 'string') return [split];

  // A leading newline stands for the opening `---`, so YAML's line numbers are the file's.
  const document = parseDocument(`\n${split.frontMatter}`);
  if (document.errors.length > 0) {
    // yaml's messages end their first line with ":" and then quote the source; keep the first line.
    const firstLine = (message: string) => (message.split('\n')[0] ?? '').replace(/:$/, '');
    return document.errors.map(
      (error) => `bad YAML in the front matter: ${firstLine(error.message)}`,
    );
  }
  const data: unknown = document.toJS();
  const validation = frontMatterSchema.safeParse(withDefaultModel(data ?? {}));
  const problems = validation.success ? [] : validation.error.issues.map(describeIssue);

  if (validation.success) {
    const unknownTools = validation.data.tools.filter((tool) => !context.toolNames.has(tool));
    for (const tool of unknownTools) {
      problems.push(
        `unknown tool "${tool}" (known: ${[...context.toolNames].sort().join(', ') || 'none'})`,
      );
    }
    problems.push(...findProviderProblems(validation.data, context.providerAvailability));
  }
  const systemPrompt = split.body.trim();
  if (systemPrompt === '')
    problems.push('the system prompt (the Markdown after the front matter) is empty');
  if (systemPrompt.length > MAX_SYSTEM_PROMPT_CHARACTERS) {
    problems.push(`the system prompt is longer than ${MAX_SYSTEM_PROMPT_CHARACTERS} characters`);
  }
  if (!validation.success || problems.length > 0) return problems;

  const { default: isDefault, tools, ...fields } = validation.data;
  return {
    ...fields,
    tools: [...new Set(tools)],
    isDefault,
    systemPrompt,
    sourceFile: context.sourceFile,
  };
}

/** An HTTP agent's `model` is optional: the handle, unless the file names one. */
function withDefaultModel(data: unknown): unknown {
  if (!isRecord(data) || data.provider !== 'http' || data.model !== undefined) return data;
  return { ...data, model: typeof data.handle === 'string' ? data.handle : 'agent' };
}

/** What is wrong with the persona's provider fields on this server. */
function findProviderProblems(
  fields: z.output<typeof frontMatterSchema>,
  availability: ProviderAvailability,
): string[] {
  const { provider, url, baseUrl, apiKeyEnv } = fields;
  const problems: string[] = [];
  if (provider === 'http' && url === undefined)
    problems.push('"url" is required with provider "http": the address Chorus POSTs each turn to');
  if (provider !== 'http' && url !== undefined)
    problems.push(`"url" is only for provider "http" (this persona uses "${provider}")`);
  if (provider !== 'openai' && baseUrl !== undefined)
    problems.push(
      `"baseUrl" is only for provider "openai" (this persona uses "${provider}"${provider === 'http' ? '; use "url"' : ''})`,
    );
  if (apiKeyEnv !== undefined && provider !== 'openai' && provider !== 'http')
    problems.push(`"apiKeyEnv" is only for providers "openai" and "http"`);
  else if (apiKeyEnv !== undefined && !(availability.apiKeyNames ?? []).includes(apiKeyEnv))
    problems.push(`"apiKeyEnv" names ${apiKeyEnv}, which is not set on this server`);
  // An openai persona with its own server or key needs nothing of OPENAI_API_KEY/OPENAI_BASE_URL.
  const ownSetup = provider === 'openai' && (baseUrl !== undefined || apiKeyEnv !== undefined);
  if (provider !== 'http' && !ownSetup && !availability[provider]) {
    problems.push(
      `provider "${provider}" is not configured on this server (${PROVIDER_SETUP[provider]})`,
    );
  }
  return problems;
}

/** Splits `---\n<yaml>\n---\n<body>`; returns a problem when the file has no such block. */
function splitFrontMatter(source: string): { frontMatter: string; body: string } | string {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '---') {
    return 'the file must start with a front matter block: a line "---", YAML fields, then "---"';
  }
  const closing = lines.findIndex((line, index) => index > 0 && line.trim() === '---');
  if (closing === -1)
    return 'the front matter is not closed: add a line "---" after the YAML fields';
  return {
    frontMatter: lines.slice(1, closing).join('\n'),
    body: lines.slice(closing + 1).join('\n'),
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(frontMatterSchema.shape).join(', ');
    const fields = issue.keys.map((key) => `"${key}"`).join(', ');
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${fields} (known: ${known})`;
  }
  const [field, ...rest] = issue.path.map(String);
  if (field === undefined) return issue.message;
  // `tools.1` reads as `"tools" item 2`.
  const item = rest.length > 0 ? ` item ${rest.map((index) => Number(index) + 1).join('.')}` : '';
  return `"${field}"${item} ${issue.message}`;
}
