import { fileURLToPath } from 'node:url';

/**
 * This folder: the personas that ship with the server, one Markdown file each (see README.md
 * here). The configuration uses it when `CHORUS_PERSONAS_DIR` is unset; it lives beside the
 * files so that code can find them without importing the orchestrator.
 * @example
 * const directory = env.CHORUS_PERSONAS_DIR || DEFAULT_PERSONAS_DIRECTORY;
 */
export const DEFAULT_PERSONAS_DIRECTORY = fileURLToPath(new URL('.', import.meta.url));
