import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
// The code linted here is not a file of the TypeScript project, so the type-aware rules are off.
const eslint = new ESLint({
  cwd: repositoryRoot,
  overrideConfig: {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
    },
  },
});

/** The `no-restricted-imports` messages ESLint reports for `code` placed at `filePath`. */
async function restrictedImportMessages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (!result) throw new Error(`ESLint returned no result for ${filePath}`);
  return result.messages
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => {
      expect(message.severity).toBe(2);
      return message.message;
    });
}

describe('docs/architecture.md §2 dependency rule (eslint no-restricted-imports)', () => {
  it.each([
    ['server/http/x.ts', "import WebSocket from 'ws';", /never import an SDK/],
    ['server/http/routes/x.ts', "import OpenAI from 'openai';", /never import an SDK/],
    [
      'server/orchestrator/x.ts',
      "import Anthropic from '@anthropic-ai/sdk';",
      /never import an SDK/,
    ],
    ['server/orchestrator/x.ts', "import pg from 'pg';", /never import an SDK/],
    [
      'server/orchestrator/x.ts',
      "import { PGlite } from '@electric-sql/pglite';",
      /never import an SDK/,
    ],
    [
      'server/http/x.ts',
      "import { vector } from '@electric-sql/pglite/vector';",
      /never import an SDK/,
    ],
    [
      'server/orchestrator/x.ts',
      "import { RealtimeClient } from '@supabase/realtime-js';",
      /never import an SDK/,
    ],
    [
      'server/orchestrator/x.ts',
      "export { createApp } from '../http/create-app.ts';",
      /orchestrator\/ never imports from server\/http/,
    ],
    [
      'server/realtime/x.ts',
      "import { createApp } from '../http/create-app.ts';",
      /adapters .* never import from server\/http/,
    ],
    [
      'server/providers/openai/x.ts',
      "import type { Round } from '../../orchestrator/round.ts';",
      /adapters .* never import from server\/orchestrator/,
    ],
    [
      'server/store/x.ts',
      "import '../orchestrator/orchestrator.ts';",
      /adapters .* never import from server\/orchestrator/,
    ],
    ['widget/x.ts', "import '../../server/x.ts';", /widget\/ never imports from server\//],
    [
      'widget/room/x.ts',
      "import type { Config } from '../../server/config.ts';",
      /widget\/ never imports from server\//,
    ],
    ['protocol/x.ts', "import '../server/x.ts';", /protocol\/ .* imports from neither/],
    ['protocol/x.ts', "import '../widget/x.ts';", /protocol\/ .* imports from neither/],
  ])('%s: %s is an error', async (filePath, code, expected) => {
    const messages = await restrictedImportMessages(code, filePath);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^.*docs\/architecture\.md §2: /);
    expect(messages[0]).toMatch(expected);
  });

  it.each([
    ['server/realtime/x.ts', "import WebSocket from 'ws';"],
    ['server/realtime/x.ts', "import { RealtimeClient } from '@supabase/realtime-js';"],
    ['server/store/x.ts', "import { PGlite } from '@electric-sql/pglite';"],
    ['server/main.ts', "import { createApp } from './http/create-app.ts';"],
    ['server/http/x.ts', "import type { Orchestrator } from '../orchestrator/orchestrator.ts';"],
    ['server/http/x.ts', "import { createServer } from 'node:http';"],
    ['server/http/x.ts', "import { socket } from './ws-helpers/socket.ts';"],
    ['server/orchestrator/x.ts', "import type { ChatModel } from '../providers/chat-model.ts';"],
    ['server/realtime/hub/x.ts', "import './http-upgrade.ts';"],
    ['widget/x.ts', "import type { RoomEvent } from '../protocol/room-event.ts';"],
    ['server/realtime/x.ts', "import type { RoomEvent } from '../../protocol/room-event.ts';"],
  ])('%s: %s is allowed', async (filePath, code) => {
    expect(await restrictedImportMessages(code, filePath)).toEqual([]);
  });
});

/** Test code: test files, shared suites (`*.contract.ts`) and the helpers in `test-support/` folders. */
const isTestCode = (file: string) =>
  /\.(test|contract)\.ts$/.test(file) ||
  file.split('/').includes('test-support') ||
  file.startsWith('test/');

/** Every TypeScript module under `folder` (relative to the repository) that is not test code. */
async function productionModules(folder: string): Promise<string[]> {
  const entries = await readdir(path.join(repositoryRoot, folder), { recursive: true });
  return entries
    .map((entry) => path.join(folder, entry).split(path.sep).join('/'))
    .filter((file) => file.endsWith('.ts') && !isTestCode(file));
}

/** What a module imports or re-exports, statically or with `import()`. */
function importedPaths(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map(
    (match) => match[1]!,
  );
}

describe('production code imports no test helpers', () => {
  it('finds a test helper import when there is one', () => {
    expect(
      importedPaths(
        "import { x } from './test-support/x.ts';\nconst y = await import('../../test/helpers/y.ts');",
      ),
    ).toEqual(['./test-support/x.ts', '../../test/helpers/y.ts']);
  });

  it.each(['server', 'widget', 'protocol'])(
    'no module of %s/ imports a test-support/ folder, test/, a test or a contract suite',
    async (folder) => {
      const offending: string[] = [];
      for (const file of await productionModules(folder)) {
        const source = await readFile(path.join(repositoryRoot, file), 'utf8');
        for (const imported of importedPaths(source)) {
          if (!imported.startsWith('.')) continue;
          const target = path.posix.join(path.posix.dirname(file), imported);
          if (isTestCode(target)) offending.push(`${file} -> ${imported}`);
        }
      }
      expect(offending).toEqual([]);
    },
  );
});

describe('server/config.ts is the only reader of the environment', () => {
  /** `process.env` outside comments. */
  const readsEnvironment = (source: string) =>
    /process\.env/.test(source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''));

  it('sees a read, not a mention in a comment', () => {
    expect(readsEnvironment('const port = process.env.PORT;')).toBe(true);
    expect(
      readsEnvironment('/** @example loadConfig(process.env) */\n// process.env too\nconst x = 1;'),
    ).toBe(false);
  });

  it('no server module but the entry points (server/main.ts, server/move-to-postgres.ts) reads process.env', async () => {
    const readers: string[] = [];
    for (const file of await productionModules('server')) {
      if (readsEnvironment(await readFile(path.join(repositoryRoot, file), 'utf8')))
        readers.push(file);
    }
    expect(readers).toEqual(['server/main.ts', 'server/move-to-postgres.ts']);
  });
});
