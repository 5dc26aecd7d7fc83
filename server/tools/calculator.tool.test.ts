import { beforeAll, describe, expect, it } from 'vitest';
import { loadTools, type ToolRegistry } from './registry.ts';
import { createTestContext } from './test-support/create-test-context.ts';

describe('calculator tool', () => {
  let tools: ToolRegistry;
  beforeAll(async () => {
    tools = await loadTools();
  });

  it.each([
    ['0.1 + 0.2', 0.3],
    ['sqrt(2) * 10^3', 1414.2135623731],
    ['-0 * 5', 0],
    ['1 / 3', 0.333333333333333],
    ['2^53', 9007199254740992],
    ['-1 * 0', 0],
  ])('answers %s with a tidy value', async (expression, value) => {
    await expect(tools.run('calculator', { expression }, createTestContext())).resolves.toEqual({
      result: { expression, value },
    });
  });

  it('reports expression errors as tool errors', async () => {
    await expect(
      tools.run('calculator', { expression: '1/0' }, createTestContext()),
    ).resolves.toEqual({
      error: 'Division by zero ("/" at position 2).',
    });
    await expect(
      tools.run('calculator', { expression: 'constructor' }, createTestContext()),
    ).resolves.toMatchObject({
      error: expect.stringMatching(/^Unknown name "constructor"/),
    });
  });

  it('refuses a 10,000-character expression before parsing it', async () => {
    await expect(
      tools.run('calculator', { expression: '9'.repeat(10_000) }, createTestContext()),
    ).resolves.toEqual({
      error:
        'Invalid arguments for calculator: expression: is too long (the limit is 1000 characters).',
    });
  });

  it('requires an expression', async () => {
    await expect(tools.run('calculator', {}, createTestContext())).resolves.toEqual({
      error:
        'Invalid arguments for calculator: expression: Invalid input: expected string, received undefined.',
    });
  });
});
