// Module hooks for test/production/production-start.test.ts: the production process may not
// load a TypeScript loader or a bundler (docs/architecture.md §10). Plain JavaScript, as the
// process under test runs without one. It also notes, in the file `CHORUS_TEST_LOADED_FILE`
// names, each heavy package it loads only when used (the model SDKs, PGlite).
import { appendFileSync } from 'node:fs';

const FORBIDDEN = /(^|\/node_modules\/)(tsx|vite|esbuild|rolldown|typescript)(\/|$)/;
const ON_DEMAND = /\/node_modules\/(openai|@anthropic-ai\/sdk|@electric-sql\/pglite)\//;

/** Refuses a forbidden package by name or by where it resolved, so the start fails loudly. */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const { pathname } = new URL(resolved.url);
  if (FORBIDDEN.test(specifier) || FORBIDDEN.test(pathname))
    throw new Error(`production loaded a dev tool: ${specifier} (${resolved.url})`);
  const onDemand = ON_DEMAND.exec(pathname)?.[1];
  if (onDemand && process.env.CHORUS_TEST_LOADED_FILE)
    appendFileSync(process.env.CHORUS_TEST_LOADED_FILE, `${onDemand}\n`);
  return resolved;
}
