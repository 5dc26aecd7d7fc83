import type { RequestHandler } from 'express';

/**
 * Headers for JSON API responses: no MIME sniffing, no framing, no referrer, nothing cached (the
 * answers carry tokens and private transcripts), and a CSP that lets a response run nothing.
 */
export const securityHeaders: RequestHandler = (_request, response, next) => {
  response.set({
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cache-Control': 'no-store',
  });
  next();
};
