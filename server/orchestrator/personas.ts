/**
 * Personas: the AI agents of a room, one Markdown file each (docs/architecture.md §5). The YAML front
 * matter says who the agent is and which model and tools it uses; the body is its system prompt.
 *
 * ```md
 * ---
 * name: Scout
 * handle: scout                  # the @mention: 2–32 of a-z 0-9 _ -, unique
 * provider: offline              # openai | anthropic | offline
 * model: scout
 * color: "#1d4ed8"               # quoted: YAML reads an unquoted # as a comment
 * tools: [calculator, current_time]
 * description: Terse researcher who checks facts with tools.
 * keywords: [calculate, time]    # optional, a hint for the `relevant` speaker policy
 * default: true                  # optional, the room's default speaker (at most one)
 * temperature: 0.3               # optional, 0–2
 * maxOutputTokens: 800           # optional
 * ---
 * You are Scout, …
 * ```
 *
 * Loading checks every file and fails start-up with one {@link PersonaConfigError} listing every
 * problem, each with its file.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { AppError } from '../lib/app-error.ts';

export const PERSONA_PROVIDERS = ['openai', 'anthropic', 'offline'] as const;
export type PersonaProvider = (typeof PERSONA_PROVIDERS)[number];

export { DEFAULT_PERSONAS_DIRECTORY } from '../personas/default-personas-directory.ts';

/** A persona's handle: what follows the `@` in a mention. */
export const HANDLE_PATTERN = /^[a-z0-9_-]{2,32}$/;
/** Handles people use to address everyone, so no single agent may take them. */
const RESERVED_HANDLES: ReadonlySet<string> = new Set(['all', 'everyone', 'here']);
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
  /** The Markdown body of the file, trimmed. */
  systemPrompt: string;
  /** The file it came from, for messages. */
  sourceFile: string;
}

/** Which providers this server has credentials for. */
export type ProviderAvailability = Readonly<Record<PersonaProvider, boolean>>;

export interface LoadPersonasOptions {
  directory: string;
  /** Names of the tools the registry knows. */
  toolNames: Iterable<string>;
  providerAvailability: ProviderAvailability;
}

/** The personas of a server, looked up by handle. */
export interface PersonaCatalog {
  /** In file-name order. */
  readonly personas: readonly Persona[];
  /** The one marked `default: true`, else the first. */
  readonly defaultPersona: Persona;
  /** By handle, case-insensitive, with or without the `@`. */
  find(handle: string): Persona | undefined;
  /** As {@link PersonaCatalog.find}, but throws a {@link PersonaNotFoundError}. */
  get(handle: string): Persona;
}

/** Thrown at start-up when persona files are invalid; the message lists every problem by file. */
export class PersonaConfigError extends AppError {
  readonly problems: readonly string[];

  constructor(directory: string, problems: readonly string[], options: { cause?: unknown } = {}) {
    super({
      name: 'PersonaConfigError',
      code: 'persona_config_invalid',
      message: `Invalid personas in ${directory}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
      cause: options.cause,
    });
    this.problems = problems;
  }
}

/** No persona has the handle asked for (e.g. a stop request for an unknown agent). */
export class PersonaNotFoundError extends AppError {
  readonly handle: string;

  constructor(handle: string, options: { cause?: unknown } = {}) {
    super({
      name: 'PersonaNotFoundError',
      code: 'persona_not_found',
      message: `No agent "@${handle}" in this room.`,
      status: 404,
      cause: options.cause,
    });
    this.handle = handle;
  }
}

/** A zod string check whose messages read well after a field name: `"model" is required`. */
function text(expected: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? 'is required' : `must be ${expected}`) });
}

function list(of: string) {
  return z.array(z.string({ error: `must list ${of} as text` }), { error: `must be a list of ${of}, e.g. [a, b]` });
}

const frontMatterSchema = z.strictObject(
  {
    name: text('text').trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
    handle: text('text').regex(HANDLE_PATTERN, 'must be 2–32 characters of a–z, 0–9, _ or - (lower case, no @)'),
    provider: z.enum(PERSONA_PROVIDERS, {
      error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${PERSONA_PROVIDERS.join(', ')}`),
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
    description: text('text').trim().min(1, 'must not be empty').max(300, 'must be at most 300 characters'),
    keywords: list('keywords')
      .default([])
      .transform((keywords) => keywords.map((keyword) => keyword.trim().toLowerCase()).filter(Boolean)),
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
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a YAML mapping of fields' : undefined) },
);

/**
 * Reads every `*.md` file of `directory` (sorted by name; a `README.md` is skipped) as a persona
 * and checks them all. Throws a {@link PersonaConfigError} naming each bad file and problem.
 * @example
 * const catalog = await loadPersonas({
 *   directory: DEFAULT_PERSONAS_DIRECTORY,
 *   toolNames: tools.names,
 *   providerAvailability: { openai: false, anthropic: false, offline: true },
 * });
 * catalog.get('@Sage').model; // 'sage'
 */
export async function loadPersonas(options: LoadPersonasOptions): Promise<PersonaCatalog> {
  const { directory } = options;
  let fileNames: string[];
  try {
    fileNames = (await readdir(directory, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.endsWith('.md') && entry.name.toLowerCase() !== 'readme.md')
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PersonaConfigError(directory, [`the folder cannot be read: ${reason}`], { cause: error });
  }
  if (fileNames.length === 0) throw new PersonaConfigError(directory, ['the folder has no persona files (*.md)']);

  const toolNames = new Set(options.toolNames);
  const { providerAvailability } = options;
  const problems: string[] = [];
  const personas: Persona[] = [];
  for (const fileName of fileNames) {
    const sourceFile = path.join(directory, fileName);
    let source: string;
    try {
      source = await readFile(sourceFile, 'utf8');
    } catch (error) {
      problems.push(`${fileName}: cannot be read: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const parsed = parsePersonaFile(source, { sourceFile, toolNames, providerAvailability });
    if (Array.isArray(parsed)) problems.push(...parsed.map((problem) => `${fileName}: ${problem}`));
    else personas.push(parsed);
  }
  problems.push(...findCatalogProblems(personas));
  if (problems.length > 0) throw new PersonaConfigError(directory, problems);
  return createPersonaCatalog(personas);
}

/**
 * Builds a catalog from personas in hand (e.g. after {@link withRealModel}). Throws a
 * {@link PersonaConfigError} if there are none, handles repeat, or two are the default.
 * @example
 * const live = createPersonaCatalog(catalog.personas.map((persona) => withRealModel(persona, config.realModel)));
 */
export function createPersonaCatalog(personas: readonly Persona[]): PersonaCatalog {
  const problems = findCatalogProblems(personas);
  const [first] = personas;
  if (first === undefined) problems.push('there are no personas');
  if (problems.length > 0 || first === undefined) throw new PersonaConfigError('the persona catalog', problems);

  const byHandle = new Map(personas.map((persona) => [persona.handle, persona]));
  const find = (handle: string) => byHandle.get(handle.trim().replace(/^@/, '').toLowerCase());
  return {
    personas: [...personas],
    defaultPersona: personas.find((persona) => persona.isDefault) ?? first,
    find,
    get(handle) {
      const persona = find(handle);
      if (persona === undefined) throw new PersonaNotFoundError(handle.replace(/^@/, ''));
      return persona;
    },
  };
}

/**
 * Switches an `offline` persona to the real model this server has keys for (`realModel`, which
 * `server/config.ts` reads from the environment), so the shipped personas talk through a real
 * model without editing their files. Personas that already name `openai` or `anthropic`, and every
 * persona when `realModel` is null, are returned unchanged.
 * @example
 * withRealModel(sage, { provider: 'anthropic', model: 'claude-haiku-4-5' });
 * // { …sage, provider: 'anthropic', model: 'claude-haiku-4-5' }
 */
export function withRealModel(persona: Persona, realModel: { provider: 'openai' | 'anthropic'; model: string } | null): Persona {
  if (persona.provider !== 'offline' || realModel === null) return persona;
  return { ...persona, provider: realModel.provider, model: realModel.model };
}

const PROVIDER_SETUP: Record<PersonaProvider, string> = {
  openai: 'set OPENAI_API_KEY or OPENAI_BASE_URL',
  anthropic: 'set ANTHROPIC_API_KEY',
  offline: 'it is built in',
};

/** Parses one persona file; returns the persona or its problems (without the file name). */
function parsePersonaFile(
  source: string,
  context: { sourceFile: string; toolNames: ReadonlySet<string>; providerAvailability: ProviderAvailability },
): Persona | string[] {
  const split = splitFrontMatter(source);
  if (typeof split === 'string') return [split];

  // A leading newline stands for the opening `---`, so YAML's line numbers are the file's.
  const document = parseDocument(`\n${split.frontMatter}`);
  if (document.errors.length > 0) {
    // yaml's messages end their first line with ":" and then quote the source; keep the first line.
    const firstLine = (message: string) => (message.split('\n')[0] ?? '').replace(/:$/, '');
    return document.errors.map((error) => `bad YAML in the front matter: ${firstLine(error.message)}`);
  }
  const data: unknown = document.toJS();
  const validation = frontMatterSchema.safeParse(data ?? {});
  const problems = validation.success ? [] : validation.error.issues.map(describeIssue);

  if (validation.success) {
    const unknownTools = validation.data.tools.filter((tool) => !context.toolNames.has(tool));
    for (const tool of unknownTools) {
      problems.push(`unknown tool "${tool}" (known: ${[...context.toolNames].sort().join(', ') || 'none'})`);
    }
    const { provider } = validation.data;
    if (!context.providerAvailability[provider]) {
      problems.push(`provider "${provider}" is not configured on this server (${PROVIDER_SETUP[provider]})`);
    }
  }
  const systemPrompt = split.body.trim();
  if (systemPrompt === '') problems.push('the system prompt (the Markdown after the front matter) is empty');
  if (systemPrompt.length > MAX_SYSTEM_PROMPT_CHARACTERS) {
    problems.push(`the system prompt is longer than ${MAX_SYSTEM_PROMPT_CHARACTERS} characters`);
  }
  if (!validation.success || problems.length > 0) return problems;

  const { default: isDefault, tools, ...fields } = validation.data;
  return { ...fields, tools: [...new Set(tools)], isDefault, systemPrompt, sourceFile: context.sourceFile };
}

/** Splits `---\n<yaml>\n---\n<body>`; returns a problem when the file has no such block. */
function splitFrontMatter(source: string): { frontMatter: string; body: string } | string {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '---') {
    return 'the file must start with a front matter block: a line "---", YAML fields, then "---"';
  }
  const closing = lines.findIndex((line, index) => index > 0 && line.trim() === '---');
  if (closing === -1) return 'the front matter is not closed: add a line "---" after the YAML fields';
  return { frontMatter: lines.slice(1, closing).join('\n'), body: lines.slice(closing + 1).join('\n') };
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

/** Problems between files: repeated or reserved handles, more than one default. */
function findCatalogProblems(personas: readonly Persona[]): string[] {
  const problems: string[] = [];
  const fileOf = (persona: Persona) => path.basename(persona.sourceFile);
  const seen = new Map<string, Persona>();
  for (const persona of personas) {
    const earlier = seen.get(persona.handle);
    if (earlier === undefined) seen.set(persona.handle, persona);
    else problems.push(`${fileOf(persona)}: the handle "@${persona.handle}" is already used by ${fileOf(earlier)}`);
    if (RESERVED_HANDLES.has(persona.handle)) {
      problems.push(`${fileOf(persona)}: the handle "@${persona.handle}" is reserved (it addresses everyone)`);
    }
  }
  const defaults = personas.filter((persona) => persona.isDefault);
  if (defaults.length > 1) {
    const files = defaults.map(fileOf).join(', ');
    problems.push(`${files}: only one persona may be the default, but ${defaults.length} have "default: true"`);
  }
  return problems;
}

