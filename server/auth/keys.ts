import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { signJwt } from './jwt.ts';

const SECRET_FILE = 'jwt-secret';
/** Fixed issue date so the printed keys stay the same across restarts, like Supabase's legacy keys. */
const KEYS_ISSUED_AT = 1_767_225_600; // 2026-01-01T00:00:00Z
const KEYS_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/**
 * The JWT secret: the configured one, else the one kept in `dataDir`, else a new one written
 * there (readable by the owner only).
 */
export async function resolveJwtSecret(configured: string | null, dataDir: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, SECRET_FILE);
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept) return kept;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return (await readFile(file, 'utf8')).trim();
}

export interface ApiKeys {
  /** `role: anon`: safe to hand to a browser; may only join public channels. */
  anonKey: string;
  /** `role: service_role`: the server's own key; never leaves the server. */
  serviceKey: string;
}

/** The anon and service keys, signed with `secret` as Supabase's legacy API keys are. */
export function createApiKeys(secret: string): ApiKeys {
  const claims = (role: string) => ({ iss: 'chorus', role, iat: KEYS_ISSUED_AT, exp: KEYS_ISSUED_AT + KEYS_LIFETIME_SECONDS });
  return { anonKey: signJwt(claims('anon'), secret), serviceKey: signJwt(claims('service_role'), secret) };
}
