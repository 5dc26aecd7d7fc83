/**
 * Personas: the AI agents of a room (docs/architecture.md §5), one Markdown file each in the
 * format of `persona-file.ts`. Loading checks every file and fails start-up with one
 * {@link PersonaConfigError} listing every problem, each with its file; the catalog looks them up
 * by handle.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../lib/app-error.ts';
import { parsePersonaFile, type Persona, type ProviderAvailability } from './persona-file.ts';

export { DEFAULT_PERSONAS_DIRECTORY } from '../personas/default-personas-directory.ts';

/** Handles people use to address everyone, so no single agent may take them. */
const RESERVED_HANDLES: ReadonlySet<string> = new Set(['all', 'everyone', 'here']);
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
      .filter(
        (entry) =>
          entry.isFile() && entry.name.endsWith('.md') && entry.name.toLowerCase() !== 'readme.md',
      )
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PersonaConfigError(directory, [`the folder cannot be read: ${reason}`], {
      cause: error,
    });
  }
  if (fileNames.length === 0)
    throw new PersonaConfigError(directory, ['the folder has no persona files (*.md)']);

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
      problems.push(
        `${fileName}: cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      );
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
  if (problems.length > 0 || first === undefined)
    throw new PersonaConfigError('the persona catalog', problems);

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
export function withRealModel(
  persona: Persona,
  realModel: { provider: 'openai' | 'anthropic'; model: string } | null,
): Persona {
  if (persona.provider !== 'offline' || realModel === null) return persona;
  return { ...persona, provider: realModel.provider, model: realModel.model };
}

/** Problems between files: repeated or reserved handles, more than one default. */
function findCatalogProblems(personas: readonly Persona[]): string[] {
  const problems: string[] = [];
  const fileOf = (persona: Persona) => path.basename(persona.sourceFile);
  const seen = new Map<string, Persona>();
  for (const persona of personas) {
    const earlier = seen.get(persona.handle);
    if (earlier === undefined) seen.set(persona.handle, persona);
    else
      problems.push(
        `${fileOf(persona)}: the handle "@${persona.handle}" is already used by ${fileOf(earlier)}`,
      );
    if (RESERVED_HANDLES.has(persona.handle)) {
      problems.push(
        `${fileOf(persona)}: the handle "@${persona.handle}" is reserved (it addresses everyone)`,
      );
    }
  }
  const defaults = personas.filter((persona) => persona.isDefault);
  if (defaults.length > 1) {
    const files = defaults.map(fileOf).join(', ');
    problems.push(
      `${files}: only one persona may be the default, but ${defaults.length} have "default: true"`,
    );
  }
  return problems;
}
