import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../server/config.ts';

/**
 * A server configuration for tests and benchmarks: port 0, a fresh data folder under the OS temp
 * dir, a random JWT secret, quiet logs; `env` overrides any of it.
 * @example const { config, removeDataDir } = await throwawayConfig({ CHORUS_LOG_LEVEL: 'warn' });
 */
export async function throwawayConfig(
  env: Record<string, string> = {},
): Promise<{ config: Config; removeDataDir(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chorus-'));
  const config = loadConfig({
    PORT: '0',
    CHORUS_DATA_DIR: dataDir,
    CHORUS_JWT_SECRET: randomBytes(32).toString('hex'),
    CHORUS_LOG_LEVEL: 'error',
    ...env,
  });
  return { config, removeDataDir: () => rm(dataDir, { recursive: true, force: true }) };
}
