/**
 * nanostores' development build reads `process.env.NODE_ENV` when a store is created. Vite
 * replaces it in the widget's bundles; Web Test Runner serves the package unbundled, so the
 * browser tests give it a `process` to read.
 */
const scope = globalThis as { process?: { env: Record<string, string | undefined> } };
scope.process ??= { env: { NODE_ENV: 'development' } };
