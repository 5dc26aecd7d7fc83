import type { ServerResponse } from 'node:http';
import path from 'node:path';
import express, { Router } from 'express';
import { widgetAssets } from './widget-assets.ts';

/** Where the built widget, the demo pages and the built inbox live on disk. */
export interface StaticAssets {
  /** `dist/widget`: `chorus.js` (the loader), `chorus/chorus.<hash>.js` (the full widget), `chorus.mjs` (ES module), `chorus-i18n/*.json` (language packs), each with `.br` and `.gz`. */
  widgetDir: string;
  /** `demo/`: pages that embed the widget as a customer site would. */
  demoDir: string;
  /** `dist/inbox`: the operator inbox page and its `assets/` (default: `inbox` beside `widgetDir`). */
  inboxDir?: string;
  /** `dist/demo-dashboard`: the live dashboard example, built from `demo/dashboard/` (default: beside `widgetDir`). */
  dashboardDir?: string;
}

/**
 * The demo pages' Content-Security-Policy: what a careful customer site sends. No inline script
 * or style and no eval; the widget must work under it.
 */
export const DEMO_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** The inbox's and the dashboard's built scripts and stylesheets are named by their content (Vite's `name-<hash>.ext`). */
const HASHED_PAGE_ASSET = /[\\/]assets[\\/][\w-]+-[\w-]{8,}\.(js|css)(\.map)?$/;

/** A page Vite built (the inbox, the dashboard): the demo CSP; its hashed assets kept for a year. */
function builtPageHeaders(response: ServerResponse, filePath: string): void {
  response.setHeader('content-security-policy', DEMO_CONTENT_SECURITY_POLICY);
  response.setHeader(
    'cache-control',
    HASHED_PAGE_ASSET.test(filePath) ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
}

/**
 * Serves the widget (widget-assets.ts: the loader `/chorus.js`, the hashed full widget under
 * `/chorus/`, `/chorus.mjs` and the language packs `/chorus-i18n/*.json`, precompressed),
 * `/demo/*` (the built live dashboard at
 * `/demo/dashboard/`), and the operator inbox at
 * `/inbox/` (docs/architecture.md §8); `/` leads to the demo index. The demo pages and the inbox
 * are sent with {@link DEMO_CONTENT_SECURITY_POLICY}. `nosniff` comes from the app's `noSniff`,
 * which covers every answer.
 */
export function staticAssetRoutes(assets: StaticAssets): Router {
  const router = Router();
  router.use(widgetAssets(assets.widgetDir));
  router.get('/', (_request, response) => response.redirect(302, '/demo/'));
  // Before `/demo`, which holds the dashboard's sources, not its build.
  router.use(
    '/demo/dashboard',
    express.static(
      assets.dashboardDir ?? path.join(path.dirname(assets.widgetDir), 'demo-dashboard'),
      { setHeaders: builtPageHeaders },
    ),
  );
  router.use(
    '/demo',
    express.static(assets.demoDir, {
      setHeaders(response) {
        response.setHeader('content-security-policy', DEMO_CONTENT_SECURITY_POLICY);
        response.setHeader('cache-control', 'no-cache');
      },
    }),
  );
  router.use(
    '/inbox',
    express.static(assets.inboxDir ?? path.join(path.dirname(assets.widgetDir), 'inbox'), {
      setHeaders(response, filePath) {
        builtPageHeaders(response, filePath);
        // The page carries the admin key in its address (the fragment): no referrer, ever.
        response.setHeader('referrer-policy', 'no-referrer');
      },
    }),
  );
  return router;
}
