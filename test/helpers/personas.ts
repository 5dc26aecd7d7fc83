import type { Persona } from '../../server/orchestrator/persona-file.ts';

/**
 * A valid persona for unit tests of the orchestrator: `handle` gives its name (capitalised), model
 * and system prompt; anything else can be set.
 * @example const scout = testPersona('scout', { tools: ['calculator'], keywords: ['numbers'] });
 */
export function testPersona(handle: string, overrides: Partial<Persona> = {}): Persona {
  const name = handle.charAt(0).toUpperCase() + handle.slice(1);
  return {
    name,
    handle,
    provider: 'offline',
    model: handle,
    color: '#1d4ed8',
    tools: [],
    description: `${name}, a test agent.`,
    keywords: [],
    isDefault: false,
    systemPrompt: `You are ${name}.`,
    sourceFile: `/personas/${handle}.md`,
    ...overrides,
  };
}
