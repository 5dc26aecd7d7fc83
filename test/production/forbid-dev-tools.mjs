// Module hooks for test/production/production-start.test.ts: the production process may not
// load a TypeScript loader or a bundler (docs/architecture.md §10). Plain JavaScript, as the
// process under test runs without one.
const FORBIDDEN = /(^|\/node_modules\/)(tsx|vite|esbuild|rolldown|typescript)(\/|$)/;

/** Refuses a forbidden package by name or by where it resolved, so the start fails loudly. */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (FORBIDDEN.test(specifier) || FORBIDDEN.test(new URL(resolved.url).pathname))
    throw new Error(`production loaded a dev tool: ${specifier} (${resolved.url})`);
  return resolved;
}
