import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createPersonaCatalog,
  DEFAULT_PERSONAS_DIRECTORY,
  loadPersonas,
  PersonaConfigError,
  PersonaNotFoundError,
  withRealModel,
} from './personas.ts';
import type { Persona, ProviderAvailability } from './persona-file.ts';

const TOOL_NAMES = ['calculator', 'current_time', 'search_room_history', 'search_knowledge'];
const OFFLINE_ONLY: ProviderAvailability = { openai: false, anthropic: false, offline: true };

/** A valid persona file; `fields` replace or (with `undefined`) remove front matter lines. */
function personaFile(
  fields: Record<string, string | undefined> = {},
  body = 'You are a test persona.',
): string {
  const defaults: Record<string, string> = {
    name: 'Test',
    handle: 'test',
    provider: 'offline',
    model: 'sage',
    color: '"#0f766e"',
    tools: '[calculator]',
    description: 'A persona for tests.',
  };
  const lines = Object.entries({ ...defaults, ...fields })
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}: ${value}`);
  return `---\n${lines.join('\n')}\n---\n${body}\n`;
}

/** Temporary folders made by this test, removed after it; `directory` is the latest. */
const directories: string[] = [];
let directory: string | undefined;
afterEach(async () => {
  await Promise.all(
    directories.splice(0).map((made) => rm(made, { recursive: true, force: true })),
  );
  directory = undefined;
});

async function load(files: Record<string, string>, providerAvailability = OFFLINE_ONLY) {
  directory = await mkdtemp(path.join(tmpdir(), 'chorus-personas-'));
  directories.push(directory);
  for (const [name, source] of Object.entries(files))
    await writeFile(path.join(directory, name), source);
  return loadPersonas({ directory, toolNames: TOOL_NAMES, providerAvailability });
}

/** The problems of the PersonaConfigError that loading `files` throws. */
async function problemsOf(
  files: Record<string, string>,
  providerAvailability = OFFLINE_ONLY,
): Promise<readonly string[]> {
  const error: unknown = await load(files, providerAvailability).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PersonaConfigError);
  const configError = error as PersonaConfigError;
  expect(configError.message).toContain(`Invalid personas in ${directory}:`);
  for (const problem of configError.problems) expect(configError.message).toContain(problem);
  return configError.problems;
}

/** WCAG 2 contrast ratio between two `#rrggbb` colours. */
function contrastRatio(first: string, second: string): number {
  const luminance = (hex: string) => {
    const [red = 0, green = 0, blue = 0] = [1, 3, 5].map((start) => {
      const channel = parseInt(hex.slice(start, start + 2), 16) / 255;
      return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
  };
  const [lighter, darker] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [
    number,
    number,
  ];
  return (lighter + 0.05) / (darker + 0.05);
}

describe('the shipped personas', () => {
  const loadShippedPersonas = () =>
    loadPersonas({
      directory: DEFAULT_PERSONAS_DIRECTORY,
      toolNames: TOOL_NAMES,
      providerAvailability: OFFLINE_ONLY,
    });

  it('load, with Sage as the default speaker', async () => {
    const catalog = await loadShippedPersonas();
    expect(
      catalog.personas.map((persona) => [persona.handle, persona.provider, persona.model]),
    ).toEqual([
      ['critic', 'offline', 'critic'],
      ['sage', 'offline', 'sage'],
      ['scout', 'offline', 'scout'],
    ]);
    expect(catalog.defaultPersona.handle).toBe('sage');
    expect(catalog.get('scout').tools).toEqual([
      'calculator',
      'current_time',
      'search_room_history',
      'search_knowledge',
    ]);
    for (const persona of catalog.personas) {
      expect(persona.systemPrompt).toMatch(new RegExp(`^You are ${persona.name},`));
      expect(persona.systemPrompt).toContain('by name');
      expect(persona.description.length).toBeGreaterThan(20);
    }
  });

  it('have distinct colours with AA contrast (4.5:1) against white', async () => {
    const catalog = await loadShippedPersonas();
    const colours = catalog.personas.map((persona) => persona.color);
    expect(new Set(colours).size).toBe(colours.length);
    for (const colour of colours)
      expect(contrastRatio(colour, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });
});

describe('loadPersonas', () => {
  it('parses every field and normalises handles, colours and keywords', async () => {
    const catalog = await load({
      'b.md': personaFile({ handle: 'beta', default: 'true' }),
      'a.md': personaFile(
        {
          name: 'Alpha',
          handle: 'alpha',
          color: '"#ABCDEF"',
          tools: '[calculator, calculator, current_time]',
          keywords: '[Money, " Budget "]',
          temperature: '0.4',
          maxOutputTokens: '600',
        },
        '\n\n# Alpha\nBe helpful.\n\n',
      ),
      'README.md': 'This file is not a persona.',
      'notes.txt': 'Neither is this one.',
    });
    expect(catalog.personas.map((persona) => persona.handle)).toEqual(['alpha', 'beta']);
    expect(catalog.defaultPersona.handle).toBe('beta');
    expect(catalog.get('@ALPHA')).toEqual({
      name: 'Alpha',
      handle: 'alpha',
      provider: 'offline',
      model: 'sage',
      color: '#abcdef',
      tools: ['calculator', 'current_time'],
      description: 'A persona for tests.',
      keywords: ['money', 'budget'],
      isDefault: false,
      temperature: 0.4,
      maxOutputTokens: 600,
      systemPrompt: '# Alpha\nBe helpful.',
      sourceFile: path.join(directory ?? '', 'a.md'),
    });
  });

  it('makes the first persona the default when none says so', async () => {
    const catalog = await load({
      'b.md': personaFile({ handle: 'beta' }),
      'a.md': personaFile({ handle: 'alpha' }),
    });
    expect(catalog.defaultPersona.handle).toBe('alpha');
  });

  it('accepts Windows line endings and a byte order mark', async () => {
    const catalog = await load({ 'a.md': `\uFEFF${personaFile().replaceAll('\n', '\r\n')}` });
    expect(catalog.get('test').systemPrompt).toBe('You are a test persona.');
  });

  it('finds personas by handle, and throws PersonaNotFoundError for unknown ones', async () => {
    const catalog = await load({ 'a.md': personaFile() });
    expect(catalog.find(' @Test ')?.handle).toBe('test');
    expect(catalog.find('nobody')).toBeUndefined();
    expect(() => catalog.get('@nobody')).toThrow(PersonaNotFoundError);
    expect(() => catalog.get('@nobody')).toThrow('No agent "@nobody" in this room.');
    const error = new PersonaNotFoundError('nobody');
    expect([error.code, error.status, error.handle]).toEqual(['persona_not_found', 404, 'nobody']);
  });

  /** One bad folder: its files and the problems expected, each naming its file. */
  interface InvalidCase {
    files: Record<string, string>;
    problems: Array<string | RegExp>;
  }
  const invalidCases: Record<string, InvalidCase> = {
    'an empty folder': { files: {}, problems: ['the folder has no persona files (*.md)'] },
    'a folder with only a README': {
      files: { 'README.md': '# Notes' },
      problems: ['the folder has no persona files (*.md)'],
    },
    'no front matter': {
      files: { 'a.md': 'You are nobody.' },
      problems: [
        'a.md: the file must start with a front matter block: a line "---", YAML fields, then "---"',
      ],
    },
    'unclosed front matter': {
      files: { 'a.md': '---\nname: A\n' },
      problems: ['a.md: the front matter is not closed: add a line "---" after the YAML fields'],
    },
    'bad YAML': {
      files: { 'a.md': personaFile({ tools: '[calculator' }) },
      problems: [/^a\.md: bad YAML in the front matter: Flow sequence .* at line 8, column 1$/],
    },
    "a repeated YAML key (line numbers are the file's)": {
      files: { 'a.md': personaFile({ model: 'sage\nmodel: scout' }) },
      problems: ['a.md: bad YAML in the front matter: Map keys must be unique at line 6, column 1'],
    },
    'front matter that is not a mapping': {
      files: { 'a.md': '---\n- just\n- a list\n---\nBody' },
      problems: ['a.md: must be a YAML mapping of fields'],
    },
    'a missing field': {
      files: { 'a.md': personaFile({ model: undefined }) },
      problems: ['a.md: "model" is required'],
    },
    'several missing fields': {
      files: { 'a.md': '---\nname: A\n---\nBody' },
      problems: ['handle', 'provider', 'model', 'color', 'description'].map(
        (field) => `a.md: "${field}" is required`,
      ),
    },
    'an empty field': {
      files: { 'a.md': personaFile({ name: '"  "' }) },
      problems: ['a.md: "name" must not be empty'],
    },
    'an unknown field': {
      files: { 'a.md': personaFile({ colour: 'red' }) },
      problems: [
        /^a\.md: unknown field "colour" \(known: name, handle, provider, model, color, tools,/,
      ],
    },
    'an unknown tool': {
      files: { 'a.md': personaFile({ tools: '[calculator, web_search]' }) },
      problems: [
        'a.md: unknown tool "web_search" (known: calculator, current_time, search_knowledge, search_room_history)',
      ],
    },
    'tools that are not a list': {
      files: { 'a.md': personaFile({ tools: 'calculator' }) },
      problems: ['a.md: "tools" must be a list of tool names, e.g. [a, b]'],
    },
    'a tool that is not text': {
      files: { 'a.md': personaFile({ tools: '[calculator, 42]' }) },
      problems: ['a.md: "tools" item 2 must list tool names as text'],
    },
    'an unknown provider': {
      files: { 'a.md': personaFile({ provider: 'gemini' }) },
      problems: ['a.md: "provider" must be one of openai, anthropic, http, offline'],
    },
    'an http agent without a url': {
      files: { 'a.md': personaFile({ provider: 'http' }) },
      problems: [
        'a.md: "url" is required with provider "http": the address Chorus POSTs each turn to',
      ],
    },
    'an http agent url that is not http(s), without repeating it': {
      files: {
        'a.md': personaFile({ provider: 'http', url: 'ftp://agents.example.com?token=s3cret' }),
      },
      problems: ['a.md: "url" must be an http(s) URL such as https://agents.example.com/chorus'],
    },
    'a url on a model provider': {
      files: { 'a.md': personaFile({ url: 'https://agents.example.com/chorus' }) },
      problems: ['a.md: "url" is only for provider "http" (this persona uses "offline")'],
    },
    'a baseUrl on a provider other than openai': {
      files: { 'a.md': personaFile({ baseUrl: 'https://api.groq.com/openai/v1' }) },
      problems: ['a.md: "baseUrl" is only for provider "openai" (this persona uses "offline")'],
    },
    'an apiKeyEnv that is not a *_API_KEY variable': {
      files: { 'a.md': personaFile({ provider: 'openai', apiKeyEnv: 'DATABASE_URL' }) },
      problems: [
        'a.md: "apiKeyEnv" must name an environment variable ending in _API_KEY (upper case), e.g. GROQ_API_KEY',
      ],
    },
    'an apiKeyEnv naming a variable that is not set': {
      files: {
        'a.md': personaFile({
          provider: 'openai',
          baseUrl: 'https://api.groq.com/openai/v1',
          apiKeyEnv: 'GROQ_API_KEY',
        }),
      },
      problems: ['a.md: "apiKeyEnv" names GROQ_API_KEY, which is not set on this server'],
    },
    'a bad handle': {
      files: { 'a.md': personaFile({ handle: '"@Sage Bot"' }) },
      problems: ['a.md: "handle" must be 2–32 characters of a–z, 0–9, _ or - (lower case, no @)'],
    },
    'a one-letter handle': {
      files: { 'a.md': personaFile({ handle: 'x' }) },
      problems: ['a.md: "handle" must be 2–32 characters of a–z, 0–9, _ or - (lower case, no @)'],
    },
    'a colour name': {
      files: { 'a.md': personaFile({ color: 'blue' }) },
      problems: ['a.md: "color" must be a hex colour like "#1d4ed8"'],
    },
    'a short hex colour': {
      files: { 'a.md': personaFile({ color: '"#fff"' }) },
      problems: ['a.md: "color" must be a hex colour like "#1d4ed8"'],
    },
    'an unquoted colour (YAML reads a comment)': {
      files: { 'a.md': personaFile({ color: '#0f766e' }) },
      problems: [
        'a.md: "color" is empty: quote the value, e.g. color: "#1d4ed8" (YAML reads an unquoted # as a comment)',
      ],
    },
    'a temperature out of range': {
      files: { 'a.md': personaFile({ temperature: '3' }) },
      problems: ['a.md: "temperature" must be from 0 to 2'],
    },
    'a fractional token limit': {
      files: { 'a.md': personaFile({ maxOutputTokens: '10.5' }) },
      problems: ['a.md: "maxOutputTokens" must be a whole number'],
    },
    'a default that is not a boolean': {
      files: { 'a.md': personaFile({ default: 'yes' }) },
      problems: ['a.md: "default" must be true or false'],
    },
    'an empty body': {
      files: { 'a.md': personaFile({}, '   \n\n') },
      problems: ['a.md: the system prompt (the Markdown after the front matter) is empty'],
    },
    'a duplicate handle': {
      files: { 'a.md': personaFile(), 'b.md': personaFile() },
      problems: ['b.md: the handle "@test" is already used by a.md'],
    },
    'a reserved handle': {
      files: { 'a.md': personaFile({ handle: 'all' }) },
      problems: ['a.md: the handle "@all" is reserved (it addresses everyone)'],
    },
    'two defaults': {
      files: {
        'a.md': personaFile({ handle: 'alpha', default: 'true' }),
        'b.md': personaFile({ handle: 'beta', default: 'true' }),
      },
      problems: ['a.md, b.md: only one persona may be the default, but 2 have "default: true"'],
    },
    'problems in several files at once': {
      files: {
        'a.md': personaFile({ color: 'blue' }),
        'b.md': personaFile({ handle: 'beta' }, ''),
      },
      problems: [
        'a.md: "color" must be a hex colour like "#1d4ed8"',
        'b.md: the system prompt (the Markdown after the front matter) is empty',
      ],
    },
  };

  it.each(Object.entries(invalidCases))(
    'rejects %s, naming the file and the problem',
    async (_case, testCase) => {
      const expected = testCase.problems.map((problem) =>
        typeof problem === 'string' ? problem : expect.stringMatching(problem),
      );
      expect(await problemsOf(testCase.files)).toEqual(expected);
    },
  );

  it('rejects a provider this server has no credentials for', async () => {
    expect(
      await problemsOf({ 'a.md': personaFile({ provider: 'openai', model: 'gpt-4o-mini' }) }),
    ).toEqual([
      'a.md: provider "openai" is not configured on this server (set OPENAI_API_KEY or OPENAI_BASE_URL)',
    ]);
    expect(
      await problemsOf({
        'a.md': personaFile({ provider: 'anthropic', model: 'claude-haiku-4-5' }),
      }),
    ).toEqual([
      'a.md: provider "anthropic" is not configured on this server (set ANTHROPIC_API_KEY)',
    ]);
    const withOpenAi = { ...OFFLINE_ONLY, openai: true };
    const catalog = await load(
      { 'a.md': personaFile({ provider: 'openai', model: 'gpt-4o' }) },
      withOpenAi,
    );
    expect(catalog.get('test').provider).toBe('openai');
  });

  it('loads HTTP agents and OpenAI-compatible personas with their own server and key variable', async () => {
    const catalog = await load(
      {
        'agent.md': personaFile({
          handle: 'agent',
          provider: 'http',
          model: undefined,
          url: 'https://agents.example.com/chorus',
          apiKeyEnv: 'AGENT_API_KEY',
        }),
        'groq.md': personaFile({
          handle: 'groq',
          provider: 'openai',
          model: 'llama-3.3-70b-versatile',
          baseUrl: 'https://api.groq.com/openai/v1',
          apiKeyEnv: 'GROQ_API_KEY',
        }),
        'ollama.md': personaFile({
          handle: 'ollama',
          provider: 'openai',
          model: 'llama3.2',
          baseUrl: 'http://localhost:11434/v1',
        }),
      },
      // No OPENAI_API_KEY nor OPENAI_BASE_URL: each persona brings its own server.
      { ...OFFLINE_ONLY, apiKeyNames: ['AGENT_API_KEY', 'GROQ_API_KEY'] },
    );

    expect(catalog.get('agent')).toMatchObject({
      provider: 'http',
      model: 'agent',
      url: 'https://agents.example.com/chorus',
      apiKeyEnv: 'AGENT_API_KEY',
    });
    expect(catalog.get('groq')).toMatchObject({
      provider: 'openai',
      baseUrl: 'https://api.groq.com/openai/v1',
      apiKeyEnv: 'GROQ_API_KEY',
    });
    expect(catalog.get('ollama')).toMatchObject({ baseUrl: 'http://localhost:11434/v1' });
    expect(catalog.get('ollama')).not.toHaveProperty('apiKeyEnv');
  });

  it('rejects a folder that does not exist', async () => {
    const missing = path.join(tmpdir(), 'chorus-no-such-personas-folder');
    const loading = loadPersonas({
      directory: missing,
      toolNames: TOOL_NAMES,
      providerAvailability: OFFLINE_ONLY,
    });
    await expect(loading).rejects.toThrow(
      /Invalid personas in .*chorus-no-such-personas-folder:\n {2}- the folder cannot be read: ENOENT/,
    );
  });
});

describe('createPersonaCatalog', () => {
  it('refuses an empty list', () => {
    expect(() => createPersonaCatalog([])).toThrow(PersonaConfigError);
  });
});

describe('withRealModel', () => {
  const sage: Persona = {
    name: 'Sage',
    handle: 'sage',
    provider: 'offline',
    model: 'sage',
    color: '#0f766e',
    tools: [],
    description: 'Explainer.',
    keywords: [],
    isDefault: true,
    systemPrompt: 'You are Sage.',
    sourceFile: 'sage.md',
  };
  it('switches an offline persona to the configured real model, and leaves it offline without one', () => {
    expect(withRealModel(sage, { provider: 'anthropic', model: 'claude-haiku-4-5' })).toMatchObject(
      { provider: 'anthropic', model: 'claude-haiku-4-5' },
    );
    expect(withRealModel(sage, null)).toBe(sage);
  });

  it('keeps everything else, and never changes a persona that already names a real provider', () => {
    const realModel = { provider: 'openai', model: 'gpt-4o-mini' } as const;
    expect(withRealModel(sage, realModel)).toEqual({
      ...sage,
      provider: 'openai',
      model: 'gpt-4o-mini',
    });
    const claude: Persona = { ...sage, provider: 'anthropic', model: 'claude-opus-4-1' };
    expect(withRealModel(claude, realModel)).toBe(claude);
    expect(sage.provider).toBe('offline');
  });
});
