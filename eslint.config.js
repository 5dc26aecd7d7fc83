// ESLint flat config: typescript-eslint's recommended rules (layout is left to Prettier), two
// type-aware rules on promises (a promise nobody awaits loses its error), and the dependency rule
// of docs/architecture.md §2, enforced on import paths with `no-restricted-imports`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import eslintConfigPrettier from 'eslint-config-prettier/flat';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Imports of packages that only adapters may use (the package itself or any subpath). */
const NO_SDK = {
  regex:
    '^(openai|@anthropic-ai/sdk|pg|@electric-sql/pglite|ws|@supabase/realtime-js|@supabase/supabase-js)(/.*)?$',
  caseSensitive: true,
  message:
    'docs/architecture.md §2: http/ and orchestrator/ never import an SDK (openai, @anthropic-ai/sdk, pg, @electric-sql/pglite, ws, @supabase/realtime-js); depend on the interface and let server/main.ts wire the adapter.',
};

/** Matches a relative import (`./…`, `../…`) whose path goes through a folder called `name`. */
function relativeInto(name) {
  return `^\\.{1,2}/(.*/)?${name}/`;
}

const NO_HTTP_FROM_ADAPTERS = {
  regex: relativeInto('http'),
  caseSensitive: true,
  message:
    'docs/architecture.md §2: adapters (providers, tools, store, realtime, auth) never import from server/http/.',
};
const NO_ORCHESTRATOR_FROM_ADAPTERS = {
  regex: relativeInto('orchestrator'),
  caseSensitive: true,
  message:
    'docs/architecture.md §2: adapters (providers, tools, store, realtime, auth) never import from server/orchestrator/.',
};
const NO_HTTP_FROM_ORCHESTRATOR = {
  regex: relativeInto('http'),
  caseSensitive: true,
  message:
    'docs/architecture.md §2: dependencies point one way (http -> orchestrator); orchestrator/ never imports from server/http/.',
};
const NO_SERVER_FROM_WIDGET = {
  regex: relativeInto('server'),
  caseSensitive: true,
  message:
    'docs/architecture.md §2: widget/ never imports from server/; shared wire types live in the top-level protocol/ folder.',
};
const NO_SERVER_FROM_PROTOCOL = {
  regex: relativeInto('server'),
  caseSensitive: true,
  message:
    'docs/architecture.md §2: protocol/ is shared by server/ and widget/ and imports from neither (found server/).',
};
const NO_WIDGET_FROM_PROTOCOL = {
  regex: relativeInto('widget'),
  caseSensitive: true,
  message:
    'docs/architecture.md §2: protocol/ is shared by server/ and widget/ and imports from neither (found widget/).',
};

/**
 * One block per folder, with globs that never overlap: a later block's `no-restricted-imports`
 * would replace, not extend, an earlier one's for a file matched by both.
 */
function restrictImports(files, patterns) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', '.chorus/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['widget/**', 'demo/**', '**/*.browser.test.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.mocha } },
  },
  // docs/architecture.md §2, the dependency rule.
  restrictImports(['server/http/**'], [NO_SDK]),
  restrictImports(['server/orchestrator/**'], [NO_SDK, NO_HTTP_FROM_ORCHESTRATOR]),
  restrictImports(
    ['server/{providers,tools,store,realtime,auth}/**'],
    [NO_HTTP_FROM_ADAPTERS, NO_ORCHESTRATOR_FROM_ADAPTERS],
  ),
  restrictImports(['widget/**'], [NO_SERVER_FROM_WIDGET]),
  restrictImports(['protocol/**'], [NO_SERVER_FROM_PROTOCOL, NO_WIDGET_FROM_PROTOCOL]),
  // Layout is Prettier's (`npm run format`); no lint rule argues with it.
  eslintConfigPrettier,
);
