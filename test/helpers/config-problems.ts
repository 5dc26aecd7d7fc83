import { ConfigError, loadConfig } from '../../server/config.ts';

/** The problems `loadConfig` lists for `env`; empty when it accepts it. */
export function configProblems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
