/**
 * The origin policy lives in `server/auth/allowed-origins.ts`, where the realtime hub can use it
 * too (adapters never import from http/); this module keeps the http layer's import path.
 */
export { AllowedOriginsError, isOriginAllowed, normaliseOrigin, parseAllowedOrigins, type AllowedOrigins } from '../auth/allowed-origins.ts';
