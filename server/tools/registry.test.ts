import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  createToolRegistry,
  DEFAULT_MAX_RESULT_CHARACTERS,
  DEFAULT_MAX_TOOL_STEPS,
  loadTools,
  ToolConfigError,
  type ToolRegistry,
} from './registry.ts';
import { createTestContext } from './test-support/create-test-context.ts';
import { defineTool, ToolError, type Tool } from './tool.ts';

const echo = defineTool({
  name: 'echo',
  description: 'Repeats the text.',
  parameters: z.object({ text: z.string(), times: z.number().int().min(1).default(1) }),
  async execute({ text, times }) {
    return { text: text.repeat(times) };
  },
});

/** Waits for its signal and never settles otherwise, like a slow network call. */
const waitForSignal = defineTool({
  name: 'wait_for_signal',
  description: 'Waits until aborted.',
  parameters: z.object({}),
  timeoutMs: 20,
  execute: (_args, context) =>
    new Promise((_resolve, reject) => {
      context.signal.addEventListener('abort', () => reject(context.signal.reason), { once: true });
    }),
});

/** Ignores its signal entirely: the registry must still give up on time. */
const ignoreSignal = defineTool({
  name: 'ignore_signal',
  description: 'Never settles.',
  parameters: z.object({}),
  timeoutMs: 20,
  execute: () => new Promise(() => {}),
});

describe('loadTools', () => {
  it('discovers the four built-in tools', async () => {
    const tools = await loadTools();
    expect(tools.names).toEqual([
      'calculator',
      'current_time',
      'search_knowledge',
      'search_room_history',
    ]);
  });

  it('gives providers a JSON Schema without the $schema marker', async () => {
    const tools = await loadTools();
    const [calculator] = tools.specs(['calculator']);
    expect(calculator).toMatchObject({
      name: 'calculator',
      parameters: {
        type: 'object',
        properties: { expression: { type: 'string' } },
        required: ['expression'],
      },
    });
    expect(calculator?.parameters).not.toHaveProperty('$schema');
  });

  it('exports the default number of tool steps per reply', () => {
    expect(DEFAULT_MAX_TOOL_STEPS).toBe(3);
  });

  describe('with broken tool modules', () => {
    let directory: string | undefined;
    afterEach(async () => {
      if (directory !== undefined) await rm(directory, { recursive: true, force: true });
      directory = undefined;
    });

    // Modules in a temporary folder import zod and tool.ts by absolute URL: nothing resolves there.
    const zodUrl = import.meta.resolve('zod');
    const toolModuleUrl = new URL('./tool.ts', import.meta.url).href;
    const toolSource = (name: string) =>
      `import { z } from '${zodUrl}';\nimport { defineTool } from '${toolModuleUrl}';\n` +
      `export default defineTool({ name: '${name}', description: 'A test tool.', parameters: z.object({}),\n` +
      `  async execute() { return 1; } });\n`;

    async function loadFolder(files: Record<string, string>): Promise<unknown> {
      directory = await mkdtemp(path.join(tmpdir(), 'chorus-tools-'));
      for (const [name, source] of Object.entries(files))
        await writeFile(path.join(directory, name), source);
      return loadTools(directory).then(
        (registry) => registry,
        (error: unknown) => error,
      );
    }

    it('loads valid modules and ignores files that are not *.tool.ts', async () => {
      const registry = await loadFolder({
        'greet.tool.ts': toolSource('greet'),
        'helper.ts': 'export const x = 1;\n',
        'greet.tool.test.ts': 'throw new Error("never imported");\n',
      });
      expect((registry as ToolRegistry).names).toEqual(['greet']);
    });

    it('names every broken file and its problem', async () => {
      const error = await loadFolder({
        'a-first.tool.ts': toolSource('shared_name'),
        'b-second.tool.ts': toolSource('shared_name'),
        'camel.tool.ts': toolSource('currentTime'),
        'no-default.tool.ts': 'export const tool = 1;\n',
        'throws.tool.ts': 'throw new Error("boom at import");\n',
      });
      expect(error).toBeInstanceOf(ToolConfigError);
      const problems = (error as ToolConfigError).problems;
      expect(problems).toEqual([
        expect.stringMatching(
          /^no-default\.tool\.ts: no tool found: the module must `export default defineTool/,
        ),
        expect.stringMatching(/^throws\.tool\.ts: could not be imported: boom at import/),
        'b-second.tool.ts: the tool name "shared_name" is already used by a-first.tool.ts',
        expect.stringMatching(/^camel\.tool\.ts: the tool name "currentTime" must be snake_case/),
      ]);
      expect((error as ToolConfigError).message).toContain(
        'Invalid tools:\n  - no-default.tool.ts',
      );
    });

    it('reports a folder that cannot be read', async () => {
      const missing = path.join(fileURLToPath(new URL('.', import.meta.url)), 'no-such-folder');
      await expect(loadTools(missing)).rejects.toThrow(
        /cannot read the tools folder .*no-such-folder/,
      );
    });
  });
});

describe('createToolRegistry', () => {
  it('rejects bad names, duplicates and definitions that are not tools', () => {
    const bad = [
      { ...echo, name: 'Echo' },
      { ...echo, name: 'double__underscore' },
      { ...echo, name: 'x'.repeat(65) },
      echo,
      echo,
      { ...echo, timeoutMs: 0 },
      { ...echo, parameters: z.string() },
    ] as unknown as Tool[];
    expect(() => createToolRegistry(bad)).toThrow(ToolConfigError);
    try {
      createToolRegistry(bad);
    } catch (error) {
      expect((error as ToolConfigError).problems).toEqual([
        expect.stringMatching(/^tool #6: "echo": `timeoutMs` must be a positive number/),
        expect.stringMatching(/^tool #7: "echo": `parameters` must be a zod object schema/),
        expect.stringMatching(/^tool #1: the tool name "Echo" must be snake_case/),
        expect.stringMatching(/^tool #2: the tool name "double__underscore" must be snake_case/),
        expect.stringMatching(/^tool #3: the tool name "x{65}" is longer than 64 characters/),
        'tool #5: the tool name "echo" is already used by tool #4',
      ]);
    }
  });

  it('rejects parameters that JSON Schema cannot describe', () => {
    const withDate = defineTool({
      name: 'with_date',
      description: 'Takes a date.',
      parameters: z.object({ when: z.date() }),
      execute: async ({ when }) => when.toISOString(),
    });
    expect(() => createToolRegistry([withDate])).toThrow(
      /"with_date" cannot be described as JSON Schema/,
    );
  });

  it('throws for specs of an unknown tool (persona loading checks names first)', () => {
    expect(() => createToolRegistry([echo]).specs(['echo', 'missing'])).toThrow(
      /unknown tool "missing"; known tools: echo/,
    );
  });

  it('returns copies of specs that callers may change', () => {
    const registry = createToolRegistry([echo]);
    const [first] = registry.specs(['echo']);
    if (first) first.parameters.type = 'changed';
    expect(registry.specs(['echo'])[0]?.parameters.type).toBe('object');
  });
});

describe('ToolRegistry.run', () => {
  it('runs a tool with validated, defaulted arguments', async () => {
    await expect(
      createToolRegistry([echo]).run('echo', { text: 'hi', times: 2 }, createTestContext()),
    ).resolves.toEqual({
      result: { text: 'hihi' },
    });
    await expect(
      createToolRegistry([echo]).run('echo', { text: 'hi' }, createTestContext()),
    ).resolves.toEqual({
      result: { text: 'hi' },
    });
  });

  it('accepts arguments as JSON text and treats nothing as {}', async () => {
    const registry = await loadTools();
    await expect(
      registry.run('calculator', '{"expression":"6*7"}', createTestContext()),
    ).resolves.toEqual({
      result: { expression: '6*7', value: 42 },
    });
    await expect(
      registry.run('current_time', undefined, createTestContext()),
    ).resolves.toMatchObject({
      result: { timeZone: 'UTC' },
    });
    await expect(registry.run('current_time', '', createTestContext())).resolves.toMatchObject({
      result: { timeZone: 'UTC' },
    });
  });

  it('turns invalid arguments into an error naming the field', async () => {
    const registry = createToolRegistry([echo]);
    await expect(registry.run('echo', { text: 5 }, createTestContext())).resolves.toEqual({
      error: 'Invalid arguments for echo: text: Invalid input: expected string, received number.',
    });
    await expect(registry.run('echo', '{not json', createTestContext())).resolves.toEqual({
      error: 'Invalid arguments for echo: they are not valid JSON.',
    });
    await expect(registry.run('echo', [1, 2], createTestContext())).resolves.toEqual({
      error: 'Invalid arguments for echo: Invalid input: expected object, received array.',
    });
  });

  it('answers an unknown tool with an error listing the known ones', async () => {
    await expect(createToolRegistry([echo]).run('rm_rf', {}, createTestContext())).resolves.toEqual(
      {
        error: 'Unknown tool "rm_rf". Available tools: echo.',
      },
    );
  });

  it('times out a tool that waits on its signal', async () => {
    const started = Date.now();
    await expect(
      createToolRegistry([waitForSignal]).run('wait_for_signal', {}, createTestContext()),
    ).resolves.toEqual({
      error: 'wait_for_signal timed out after 20 ms.',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('times out a tool that ignores its signal', async () => {
    await expect(
      createToolRegistry([ignoreSignal]).run('ignore_signal', {}, createTestContext()),
    ).resolves.toEqual({
      error: 'ignore_signal timed out after 20 ms.',
    });
  });

  it('reports a cancelled call when the caller aborts', async () => {
    const controller = new AbortController();
    const slow = { ...waitForSignal, timeoutMs: 10_000 };
    const outcome = createToolRegistry([slow]).run(
      'wait_for_signal',
      {},
      createTestContext({ signal: controller.signal }),
    );
    controller.abort();
    await expect(outcome).resolves.toEqual({ error: 'The call to wait_for_signal was cancelled.' });
  });

  it('does not start a tool when the caller has already aborted', async () => {
    const execute = vi.fn(async () => 'ran');
    const spy = defineTool({ name: 'spy', description: 'Spy.', parameters: z.object({}), execute });
    const outcome = await createToolRegistry([spy]).run(
      'spy',
      {},
      createTestContext({ signal: AbortSignal.abort() }),
    );
    expect(outcome).toEqual({ error: 'The call to spy was cancelled before it started.' });
    expect(execute).not.toHaveBeenCalled();
  });

  it('shows a ToolError as it is and hides other errors behind a generic message', async () => {
    const onUnexpectedError = vi.fn();
    const failing = defineTool({
      name: 'failing',
      description: 'Fails.',
      parameters: z.object({ expected: z.boolean() }),
      async execute({ expected }) {
        if (expected) throw new ToolError('The service said no.');
        throw new Error('connection string postgres://secret@db leaked');
      },
    });
    const registry = createToolRegistry([failing], { onUnexpectedError });
    await expect(registry.run('failing', { expected: true }, createTestContext())).resolves.toEqual(
      {
        error: 'The service said no.',
      },
    );
    await expect(
      registry.run('failing', { expected: false }, createTestContext()),
    ).resolves.toEqual({
      error: 'failing failed unexpectedly.',
    });
    expect(onUnexpectedError).toHaveBeenCalledExactlyOnceWith(expect.any(Error), 'failing');
  });

  it('catches a tool that throws synchronously', async () => {
    const throwing = {
      ...echo,
      name: 'throwing',
      execute: () => {
        throw new ToolError('sync failure');
      },
    };
    await expect(
      createToolRegistry([throwing as Tool]).run('throwing', { text: '' }, createTestContext()),
    ).resolves.toEqual({
      error: 'sync failure',
    });
  });

  it('returns plain JSON data and refuses results that are not JSON', async () => {
    const returning = (name: string, value: unknown) =>
      defineTool({
        name,
        description: 'Returns a value.',
        parameters: z.object({}),
        execute: async () => value,
      });
    const registry = createToolRegistry([
      returning('dated', { at: new Date('2026-11-22T10:00:00Z'), skip: undefined }),
      returning('nothing', undefined),
      returning('big_integer', 10n),
      returning('function_value', () => 1),
    ]);
    await expect(registry.run('dated', {}, createTestContext())).resolves.toEqual({
      result: { at: '2026-11-22T10:00:00.000Z' },
    });
    await expect(registry.run('nothing', {}, createTestContext())).resolves.toEqual({
      result: null,
    });
    await expect(registry.run('big_integer', {}, createTestContext())).resolves.toEqual({
      error: 'big_integer returned a result that is not JSON data.',
    });
    await expect(registry.run('function_value', {}, createTestContext())).resolves.toEqual({
      error: 'function_value returned a result that is not JSON data.',
    });
  });

  it('truncates large results with a note', async () => {
    const rowNumbers = Array.from({ length: 20 }, (_, index) => index);
    const large = defineTool({
      name: 'large',
      description: 'Returns a lot.',
      parameters: z.object({ asText: z.boolean() }),
      execute: async ({ asText }) => (asText ? 'a'.repeat(50) : { rows: rowNumbers }),
    });
    const registry = createToolRegistry([large], { maxResultCharacters: 10 });
    await expect(registry.run('large', { asText: true }, createTestContext())).resolves.toEqual({
      result: {
        truncated: true,
        note: 'The result was 50 characters long; only the first 10 are shown.',
        preview: 'aaaaaaaaaa',
      },
    });
    const rowsLength = JSON.stringify({ rows: rowNumbers }).length;
    await expect(registry.run('large', { asText: false }, createTestContext())).resolves.toEqual({
      result: {
        truncated: true,
        note: `The result was ${rowsLength} characters long; only the first 10 are shown.`,
        preview: '{"rows":[0',
      },
    });
    expect(DEFAULT_MAX_RESULT_CHARACTERS).toBe(8_000);
  });

  it('never cuts a surrogate pair in half when truncating', async () => {
    const emoji = defineTool({
      name: 'emoji',
      description: 'Returns emoji.',
      parameters: z.object({}),
      execute: async () => 'a😀😀',
    });
    const outcome = await createToolRegistry([emoji], { maxResultCharacters: 2 }).run(
      'emoji',
      {},
      createTestContext(),
    );
    expect(outcome).toMatchObject({ result: { preview: 'a' } });
  });
});
