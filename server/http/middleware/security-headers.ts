import type { RequestHandler } from 'express';

/**
 * `X-Content-Type-Options: nosniff` on every answer (the widget bundle, the demo pages, JSON 404s):
 * a browser then never runs or renders a response as anything but its declared type.
 */
export const noSniff: RequestHandler = (_request, response, next) => {
  response.set('X-Content-Type-Options', 'nosniff');
  next();
};

/**
 * Headers for JSON API responses (besides {@link noSniff}): no framing, no referrer, nothing cached (the
 * answers carry tokens and private transcripts), and a CSP that lets a response run nothing.
 */
export const securityHeaders: RequestHandler = (_request, response, next) => {
  response.set({
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cache-Control': 'no-store',
  });
  next();
};
