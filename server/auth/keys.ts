import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateFolder } from '../lib/private-folder.ts';
import { JWT_ERROR, JwtError, signJwt, verifyJwt } from './jwt.ts';

const SECRET_FILE = 'jwt-secret';
/** Fixed issue date so the printed keys stay the same across restarts, like Supabase's legacy keys. */
const KEYS_ISSUED_AT = 1_767_225_600; // 2026-01-01T00:00:00Z
const KEYS_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/**
 * The JWT secret: the configured one, else the one kept in `dataDir`, else a new one written
 * there (the folder 700, the file 600).
 */
export function resolveJwtSecret(configured: string | null, dataDir: string): Promise<string> {
  return resolveKeptSecret(configured, dataDir, SECRET_FILE, '');
}

/** The admin key's prefix, so a leaked one is recognised (as Supabase's `sb_secret_`). */
export const ADMIN_KEY_PREFIX = 'chorus_admin_';

/**
 * The admin key (docs/architecture.md §8: the bearer of `/api/admin/*`, and of `POST /api/session`
 * for an admin token): `CHORUS_ADMIN_KEY`, else the one kept in `dataDir`, else a new one there.
 */
export function resolveAdminKey(configured: string | null, dataDir: string): Promise<string> {
  return resolveKeptSecret(configured, dataDir, ADMIN_KEY_FILE, ADMIN_KEY_PREFIX);
}

const ADMIN_KEY_FILE = 'admin-key';

async function resolveKeptSecret(
  configured: string | null,
  dataDir: string,
  fileName: string,
  prefix: string,
): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, fileName);
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept) return kept;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await ensurePrivateFolder(dataDir);
  const secret = `${prefix}${randomBytes(48).toString('base64url')}`;
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(
    async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  return (await readFile(file, 'utf8')).trim();
}

/** Whether `offered` is the admin key; compared in constant time. */
export function isAdminKey(offered: string, adminKey: string): boolean {
  const a = Buffer.from(offered);
  const b = Buffer.from(adminKey);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface ApiKeys {
  /** `role: anon`: safe to hand to a browser; may only join public channels. */
  anonKey: string;
  /** `role: service_role`: the server's own key; never leaves the server. */
  serviceKey: string;
}

/** The anon and service keys, signed with `secret` as Supabase's legacy API keys are. */
export function createApiKeys(secret: string): ApiKeys {
  const claims = (role: string) => ({
    iss: 'chorus',
    role,
    iat: KEYS_ISSUED_AT,
    exp: KEYS_ISSUED_AT + KEYS_LIFETIME_SECONDS,
  });
  return {
    anonKey: signJwt(claims('anon'), secret),
    serviceKey: signJwt(claims('service_role'), secret),
  };
}

const KEY_KINDS = {
  anon: { description: 'anon', newPrefix: 'sb_publishable_' },
  service_role: { description: 'service-role', newPrefix: 'sb_secret_' },
} as const;

/**
 * What is wrong with a Supabase API key given as setting `name`, or null. A legacy key (a JWT)
 * must carry `role` and be signed with `jwtSecret` (the project's JWT secret: a key signed with
 * another one means the room tokens Chorus signs would be refused too); a new key must have the
 * prefix of its kind. The anon key is handed to every browser, so a service-role key there is
 * refused.
 * @example apiKeyProblem('CHORUS_REALTIME_ANON_KEY', key, 'anon', secret) // null when fine
 */
export function apiKeyProblem(
  name: string,
  key: string,
  role: keyof typeof KEY_KINDS,
  jwtSecret: string | null,
): string | null {
  const kind = KEY_KINDS[role];
  if (key.startsWith('sb_')) {
    return key.startsWith(kind.newPrefix)
      ? null
      : `${name} must be the project's ${kind.description} key (${kind.newPrefix}…), not another kind of key`;
  }
  if (key.split('.').length !== 3)
    return `${name} must be a Supabase API key: a JWT (legacy keys) or an ${kind.newPrefix}… key`;
  if (jwtSecret === null) return null; // the missing secret is reported on its own
  try {
    const claims = verifyJwt(key, jwtSecret);
    return claims.role === role
      ? null
      : `${name} has role "${claims.role}": it must be the project's ${kind.description} key`;
  } catch (error) {
    if (!(error instanceof JwtError)) throw error;
    if (error.kind === JWT_ERROR.SIGNATURE)
      return `${name} is not signed with CHORUS_JWT_SECRET: both must come from the same Supabase project`;
    return `${name} is not a usable key: ${error.message}`;
  }
}
