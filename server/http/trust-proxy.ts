/**
 * Parses `CHORUS_TRUST_PROXY` into Express's `trust proxy` setting, which decides whose
 * `X-Forwarded-For` is believed for the client IP (the per-IP rate limits use it). Unset or
 * `false`: none (the default; a client could otherwise pick its own IP). `true`: every hop. A
 * whole number: that many hops. Anything else is passed on as Express's list of trusted
 * addresses or names (`loopback, 10.0.0.0/8`).
 * @example parseTrustProxy('1') // 1 (one reverse proxy in front)
 */
export function parseTrustProxy(raw: string | undefined): boolean | number | string {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
