import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';

/**
 * The widget's files by URL path (docs/architecture.md §10, "Widget delivery"): the loader `chorus.js`,
 * the ES module `chorus.mjs`, the full widget `chorus/chorus.<hash>.js`, the language packs
 * `chorus-i18n/<language>[.<hash>].json`, and their source maps. Nothing else of the folder, and
 * no `..` (an encoded dot does not match).
 */
const WIDGET_FILE =
  /^\/(?:chorus\.m?js|chorus\/chorus\.[\w-]{8}\.js|chorus-i18n\/[a-z]{2,3}(?:\.[0-9a-f]{8})?\.json)(?:\.map)?$/;
/** Named by their content (the build's hashes), so they never change: a year, immutable. */
const HASHED = /^\/chorus\/|\.[0-9a-f]{8}\.json$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A full widget by hash (not its map): one the build no longer has leads to the current one. */
const FULL_WIDGET = /^\/chorus\/chorus\.[\w-]{8}\.js$/;
/** Written by the full widget's build pass; names its current file (vite.config.ts). */
const MANIFEST = path.join('.vite', 'manifest.json');
/** The loader and the ES module keep their names across deployments (docs/decisions.md, "The lazy loader"). */
const SHORT = 'public, max-age=300';

export type ContentEncoding = 'br' | 'gzip' | 'identity';
/** The file beside each asset that holds an encoding (widget/build/precompress.ts). */
const SUFFIX: Record<ContentEncoding, string> = { br: '.br', gzip: '.gz', identity: '' };

/**
 * The encoding to send for an `Accept-Encoding` header: brotli when accepted (smallest), then
 * gzip, else none. A `q=0` refuses an encoding; `*` stands for any not named.
 * @example preferredEncoding('gzip, deflate, br') // 'br'
 * @example preferredEncoding('br;q=0, *') // 'gzip'
 */
export function preferredEncoding(header: string | undefined): ContentEncoding {
  const weights = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const weight = parameters.map((parameter) => parameter.trim()).find((p) => p.startsWith('q='));
    weights.set(name, weight === undefined ? 1 : Number(weight.slice(2)) || 0);
  }
  const accepts = (name: string) => (weights.get(name) ?? weights.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  return accepts('gzip') ? 'gzip' : 'identity';
}

/**
 * Serves the widget's files from `widgetDir`, precompressed at build: `<file>.br` or `<file>.gz`
 * by `Accept-Encoding` (with `Content-Encoding`), the file itself otherwise or when no encoded
 * copy exists; always `Vary: Accept-Encoding`, the type of the file itself, and its length and
 * ETag as sent. Hashed files are kept for a year, the rest for five minutes. Any site may load
 * them (CORS `*`, `cross-origin-resource-policy: cross-origin`). A full widget the build no longer
 * has leads (307, not cached) to the one its manifest names, so a page whose loader was cached
 * before a deployment from a clean `dist/` still opens its chat. Anything else goes to `next`.
 */
export function widgetAssets(widgetDir: string): RequestHandler {
  return (request, response, next) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !WIDGET_FILE.test(request.path))
      return next();
    const urlPath = request.path;
    const file = path.join(widgetDir, urlPath);
    const send = (encoding: ContentEncoding) => {
      response.setHeader('vary', 'Accept-Encoding');
      response.setHeader('cache-control', HASHED.test(urlPath) ? IMMUTABLE : SHORT);
      response.setHeader('access-control-allow-origin', '*'); // any site may load the embed
      response.setHeader('cross-origin-resource-policy', 'cross-origin');
      response.type(path.extname(urlPath));
      if (encoding === 'identity') response.removeHeader('content-encoding');
      else response.setHeader('content-encoding', encoding);
      response.sendFile(`${file}${SUFFIX[encoding]}`, (error?: NodeJS.ErrnoException) => {
        if (!error) return;
        if (response.headersSent) return next(error);
        const missing = error.code === 'ENOENT' || error.code === 'ENOTDIR';
        if (missing && encoding !== 'identity') return send('identity');
        if (missing) {
          response.removeHeader('content-encoding');
          const current = FULL_WIDGET.test(urlPath) ? currentWidget(widgetDir) : undefined;
          if (!current || `/${current}` === urlPath) return next();
          // A page whose loader was cached before this build: the widget it asks for is gone.
          response.setHeader('cache-control', 'no-store');
          return response.redirect(307, path.posix.basename(current));
        }
        next(error);
      });
    };
    // Maps are for developer tools: sent as they are.
    send(
      urlPath.endsWith('.map') ? 'identity' : preferredEncoding(request.headers['accept-encoding']),
    );
  };
}

/** The full widget the build in `widgetDir` made (`chorus/chorus.<hash>.js`), if its manifest says. */
function currentWidget(widgetDir: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(widgetDir, MANIFEST), 'utf8')) as Record<
      string,
      { file?: unknown; isEntry?: unknown }
    >;
    const file = Object.values(manifest).find((entry) => entry.isEntry === true)?.file;
    return typeof file === 'string' && FULL_WIDGET.test(`/${file}`) ? file : undefined;
  } catch {
    return undefined; // no build, or a build without the manifest
  }
}
