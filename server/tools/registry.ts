/**
 * The tool registry: finds tool modules, checks them once at start-up and runs their calls.
 *
 * Adding a tool is adding a file: put `my_tool`'s definition in `server/tools/my-tool.tool.ts`
 * as `export default defineTool({ … })` and every persona that lists `my_tool` can call it.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { ChatToolSpec } from '../providers/chat-model.ts';
import { AppError } from '../lib/app-error.ts';
import { isRecord } from '../lib/is-record.ts';
import { runTool, type RunToolOptions, type ToolOutcome } from './run-tool.ts';
import type { Tool, ToolContext } from './tool.ts';

export { DEFAULT_MAX_RESULT_CHARACTERS, type ToolOutcome } from './run-tool.ts';

/** How many tool steps an agent may take in one reply, unless the orchestrator is told otherwise. */
export const DEFAULT_MAX_TOOL_STEPS = 3;

/** snake_case, starting with a letter, at most 64 characters (the providers' own limit). */
export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const MAX_TOOL_NAME_LENGTH = 64;

/** The folder the built-in tools live in (this one). */
export const BUILT_IN_TOOLS_DIRECTORY = path.dirname(fileURLToPath(import.meta.url));

/** Tool module file names: `calculator.tool.ts` (`.js` once compiled, docs/architecture.md §10). Tests (`*.tool.test.ts`) do not match. */
const TOOL_FILE_PATTERN = /\.tool\.[jt]s$/;

/** The tools of a server, checked, with their provider specs ready. */
export interface ToolRegistry {
  /** Every tool name, sorted. */
  readonly names: readonly string[];
  has(name: string): boolean;
  /**
   * The specs to offer a model, in the order asked. Throws a {@link ToolConfigError} for an
   * unknown name: persona loading checks tool names, so that is a programming error.
   */
  specs(names: readonly string[]): ChatToolSpec[];
  /** Runs one call. Never throws: failures, unknown tools included, come back as `{ error }`. */
  run(name: string, rawArgs: unknown, context: ToolContext): Promise<ToolOutcome>;
}

export type ToolRegistryOptions = RunToolOptions;

/** Thrown at start-up when tool modules are broken; the message lists every problem. */
export class ToolConfigError extends AppError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options: { cause?: unknown } = {}) {
    super({
      name: 'ToolConfigError',
      code: 'tool_config_invalid',
      message: `Invalid tools:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
      cause: options.cause,
    });
    this.problems = problems;
  }
}

/**
 * Imports every `*.tool.ts` module of `directory` (not its subfolders) and builds a registry from
 * their default exports. Throws a {@link ToolConfigError} naming each broken file.
 *
 * Modules are imported by file URL, so this works wherever `.ts` files can be imported: under
 * tsx (`npm start`) and vitest.
 * @example
 * const tools = await loadTools();
 * const specs = tools.specs(['calculator', 'current_time']);
 */
export async function loadTools(
  directory: string = BUILT_IN_TOOLS_DIRECTORY,
  options: ToolRegistryOptions = {},
): Promise<ToolRegistry> {
  let fileNames: string[];
  try {
    const entries = await readdir(directory, { withFileTypes: true });
    fileNames = entries
      .filter((entry) => entry.isFile() && TOOL_FILE_PATTERN.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    throw new ToolConfigError([`cannot read the tools folder ${directory}: ${messageOf(error)}`], {
      cause: error,
    });
  }

  const problems: string[] = [];
  const sources: ToolSource[] = [];
  for (const fileName of fileNames) {
    let moduleExports: unknown;
    try {
      moduleExports = await import(pathToFileURL(path.join(directory, fileName)).href);
    } catch (error) {
      problems.push(`${fileName}: could not be imported: ${messageOf(error)}`);
      continue;
    }
    const candidate: unknown = isRecord(moduleExports) ? moduleExports.default : undefined;
    const shapeProblem = describeShapeProblem(candidate);
    if (shapeProblem === null) sources.push({ tool: candidate as Tool, origin: fileName });
    else problems.push(`${fileName}: ${shapeProblem}`);
  }
  return buildRegistry(sources, problems, options);
}

/**
 * Builds a registry from tool definitions in hand (tests, embedders). Same checks as
 * {@link loadTools}.
 * @example
 * const tools = createToolRegistry([calculator], { maxResultCharacters: 2_000 });
 */
export function createToolRegistry(
  tools: readonly Tool[],
  options: ToolRegistryOptions = {},
): ToolRegistry {
  const problems: string[] = [];
  const sources: ToolSource[] = [];
  tools.forEach((tool, index) => {
    const origin = `tool #${index + 1}`;
    const shapeProblem = describeShapeProblem(tool);
    if (shapeProblem === null) sources.push({ tool, origin });
    else problems.push(`${origin}: ${shapeProblem}`);
  });
  return buildRegistry(sources, problems, options);
}

/** A tool and where it came from (a file name), for error messages. */
interface ToolSource {
  tool: Tool;
  origin: string;
}

/** A checked tool, with the spec providers see. */
interface RegisteredTool extends ToolSource {
  spec: ChatToolSpec;
}

/** Checks names and schemas, adds to `problems`, and throws if there are any. */
function buildRegistry(
  sources: readonly ToolSource[],
  problems: string[],
  options: ToolRegistryOptions,
): ToolRegistry {
  const registered = new Map<string, RegisteredTool>();
  for (const { tool, origin } of sources) {
    const nameProblem = describeNameProblem(tool.name);
    if (nameProblem !== null) {
      problems.push(`${origin}: ${nameProblem}`);
      continue;
    }
    const existing = registered.get(tool.name);
    if (existing !== undefined) {
      problems.push(
        `${origin}: the tool name "${tool.name}" is already used by ${existing.origin}`,
      );
      continue;
    }
    const spec = toSpec(tool);
    if (typeof spec === 'string') problems.push(`${origin}: ${spec}`);
    else registered.set(tool.name, { tool, spec, origin });
  }
  if (problems.length > 0) throw new ToolConfigError(problems);

  const names = [...registered.keys()].sort();
  return {
    names,
    has: (name) => registered.has(name),
    specs(requested) {
      return requested.map((name) => {
        const entry = registered.get(name);
        if (entry === undefined) {
          throw new ToolConfigError([
            `unknown tool "${name}"; known tools: ${names.join(', ') || 'none'}`,
          ]);
        }
        return structuredClone(entry.spec);
      });
    },
    async run(name, rawArgs, context) {
      const entry = registered.get(name);
      if (entry === undefined) {
        return { error: `Unknown tool "${name}". Available tools: ${names.join(', ') || 'none'}.` };
      }
      return runTool(entry.tool, rawArgs, context, options);
    },
  };
}

/** The JSON Schema a provider sees: zod's, for the input side, without the `$schema` marker. */
function toSpec(tool: Tool): ChatToolSpec | string {
  try {
    const { $schema: _dialect, ...parameters } = z.toJSONSchema(tool.parameters, { io: 'input' });
    return { name: tool.name, description: tool.description, parameters };
  } catch (error) {
    return `the parameters of "${tool.name}" cannot be described as JSON Schema: ${messageOf(error)}`;
  }
}

function describeShapeProblem(candidate: unknown): string | null {
  if (!isRecord(candidate))
    return 'no tool found: the module must `export default defineTool({ … })`';
  if (typeof candidate.name !== 'string') return 'the tool has no `name`';
  if (typeof candidate.description !== 'string' || candidate.description.trim() === '') {
    return `"${candidate.name}" has no \`description\``;
  }
  if (!(candidate.parameters instanceof z.ZodObject)) {
    return `"${candidate.name}": \`parameters\` must be a zod object schema, e.g. z.object({ … })`;
  }
  const timeoutMs = candidate.timeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    return `"${candidate.name}": \`timeoutMs\` must be a positive number of milliseconds`;
  }
  if (typeof candidate.execute !== 'function')
    return `"${candidate.name}" has no \`execute\` function`;
  return null;
}

function describeNameProblem(name: string): string | null {
  if (!TOOL_NAME_PATTERN.test(name)) {
    return (
      `the tool name "${name}" must be snake_case: lower-case letters and digits joined by single ` +
      'underscores, starting with a letter'
    );
  }
  if (name.length > MAX_TOOL_NAME_LENGTH) {
    return `the tool name "${name}" is longer than ${MAX_TOOL_NAME_LENGTH} characters`;
  }
  return null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
