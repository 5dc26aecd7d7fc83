import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import express from 'express';
import { compressed } from '../../../widget/build/precompress.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONTENT_SECURITY_POLICY, staticAssetRoutes } from './static-assets.ts';

const INBOX_PAGE =
  '<!doctype html><title>Chorus inbox</title><script type="module" src="/inbox/assets/index-HsdWxlIE.js"></script><chorus-inbox></chorus-inbox>';

const HASHED_WIDGET = 'chorus/chorus.Ab3_x-9Z.js';
const WIDGET_SOURCE = `(()=>{${'window.chorusWidget=1;'.repeat(200)}})();`;
const LOADER_SOURCE = `(()=>{${'window.chorusLoader=1;'.repeat(50)}})();`;

let directory: string;
let server: Server;
let base: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'chorus-static-'));
  const widgetDir = path.join(directory, 'widget');
  await mkdir(path.join(widgetDir, 'chorus-i18n'), { recursive: true });
  await mkdir(path.join(directory, 'demo'));
  await writeFile(path.join(widgetDir, 'chorus.js'), 'void 0;');
  // The full widget as the build writes it: named by its hash, with its two encodings beside it.
  await mkdir(path.join(widgetDir, 'chorus'));
  for (const [file, text] of [
    [HASHED_WIDGET, WIDGET_SOURCE],
    ['chorus.js', LOADER_SOURCE],
  ] as const) {
    const location = path.join(widgetDir, file);
    const { br, gz } = compressed(Buffer.from(text));
    await writeFile(location, text);
    await writeFile(`${location}.br`, br);
    await writeFile(`${location}.gz`, gz);
  }
  // Vite's manifest of the full widget's pass, which names the current build's file.
  await mkdir(path.join(widgetDir, '.vite'));
  await writeFile(
    path.join(widgetDir, '.vite', 'manifest.json'),
    JSON.stringify({ 'widget/embed.ts': { file: HASHED_WIDGET, isEntry: true } }),
  );
  await writeFile(path.join(widgetDir, 'chorus.mjs'), 'export {};');
  await writeFile(path.join(widgetDir, 'chorus-i18n', 'fr.json'), '{"send":"Envoyer"}');
  await writeFile(path.join(widgetDir, 'chorus-i18n', 'fr.0123abcd.json'), '{"send":"Envoyer"}');
  // The built inbox, where `vite build --mode inbox` puts it: beside the widget.
  const inboxDir = path.join(directory, 'inbox');
  await mkdir(path.join(inboxDir, 'assets'), { recursive: true });
  await writeFile(path.join(inboxDir, 'index.html'), INBOX_PAGE);
  await writeFile(path.join(inboxDir, 'assets', 'index-HsdWxlIE.js'), 'void 0;');
  const app = express().use(
    staticAssetRoutes({ widgetDir, demoDir: path.join(directory, 'demo') }),
  );
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(directory, { recursive: true, force: true });
});

describe('static widget assets', () => {
  it('serves a content-hashed language pack to any site, cached for a year', async () => {
    const response = await fetch(`${base}/chorus-i18n/fr.0123abcd.json`, {
      headers: { origin: 'https://shop.example' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await response.json()).toEqual({ send: 'Envoyer' });
  });

  it('serves the unhashed pack, the loader and the ES module with a short cache, and nothing else of the folder', async () => {
    for (const file of ['/chorus-i18n/fr.json', '/chorus.js', '/chorus.mjs']) {
      const response = await fetch(`${base}${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('cache-control'), file).toBe('public, max-age=300');
      expect(response.headers.get('access-control-allow-origin'), file).toBe('*');
      expect(response.headers.get('cross-origin-resource-policy'), file).toBe('cross-origin');
    }
    for (const file of [
      '/chorus-i18n/de.json',
      '/chorus-i18n/',
      '/chorus-i18n/%2e%2e%2fchorus.js',
      '/chorus/..%2fchorus.js',
      '/chorus/chorus.Ab3_x-9Z.js.br',
      '/chorus.js.gz',
      '/.vite/manifest.json',
    ]) {
      expect((await fetch(`${base}${file}`)).status, file).toBe(404);
    }
  });
});

describe('the widget, precompressed', () => {
  it('sends the brotli copy when accepted, with its encoding, type, length and Vary', async () => {
    const answer = await rawRequest(`/${HASHED_WIDGET}`, 'gzip, deflate, br');
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers['vary']).toBe('Accept-Encoding');
    expect(answer.headers['content-type']).toMatch(/^text\/javascript/);
    expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    expect(answer.body.length).toBeLessThan(WIDGET_SOURCE.length / 4);
    expect(brotliDecompressSync(answer.body).toString()).toBe(WIDGET_SOURCE);
    expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(answer.headers['access-control-allow-origin']).toBe('*');
    expect(answer.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });

  it('sends gzip to a client without brotli, and the file itself to one that takes neither', async () => {
    const cases = [
      { accept: 'gzip, deflate', encoding: 'gzip', decode: (body: Buffer) => gunzipSync(body) },
      {
        accept: 'br;q=0, gzip;q=0.5',
        encoding: 'gzip',
        decode: (body: Buffer) => gunzipSync(body),
      },
      { accept: 'identity', encoding: null, decode: (body: Buffer) => body },
      { accept: 'br;q=0, gzip;q=0', encoding: null, decode: (body: Buffer) => body },
    ];
    for (const { accept, encoding, decode } of cases) {
      const answer = await rawRequest(`/${HASHED_WIDGET}`, accept);
      expect(answer.headers['content-encoding'] ?? null, accept).toBe(encoding);
      expect(answer.headers['vary'], accept).toBe('Accept-Encoding');
      expect(answer.headers['content-type'], accept).toMatch(/^text\/javascript/);
      expect(Number(answer.headers['content-length']), accept).toBe(answer.body.length);
      expect(decode(answer.body).toString(), accept).toBe(WIDGET_SOURCE);
    }
  });

  it('leads a loader cached before this build from a widget that is gone to the current one, uncached', async () => {
    const gone = await rawRequest('/chorus/chorus.Old0_-zz.js', 'br');
    expect(gone.status).toBe(307);
    expect(gone.headers['location']).toBe('chorus.Ab3_x-9Z.js');
    expect(gone.headers['cache-control']).toBe('no-store');
    const followed = await fetch(`${base}/chorus/chorus.Old0_-zz.js`);
    expect(followed.url).toBe(`${base}/${HASHED_WIDGET}`);
    expect(await followed.text()).toBe(WIDGET_SOURCE);
    // Only the full widget: a gone map, a pack or the manifest itself is simply not there.
    expect((await rawRequest('/chorus/chorus.Old0_-zz.js.map', undefined)).status).toBe(404);
    expect((await rawRequest('/chorus-i18n/fr.deadbeef.json', undefined)).status).toBe(404);
    expect((await rawRequest('/.vite/manifest.json', undefined)).status).toBe(404);
  });

  it('keeps the loader for five minutes and the hashed widget for a year, each encoding its own ETag', async () => {
    const loader = await rawRequest('/chorus.js', 'br');
    expect(loader.headers['content-encoding']).toBe('br');
    expect(loader.headers['cache-control']).toBe('public, max-age=300');
    expect(brotliDecompressSync(loader.body).toString()).toBe(LOADER_SOURCE);
    const identity = await rawRequest('/chorus.js', undefined);
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.toString()).toBe(LOADER_SOURCE);
    expect(identity.headers['etag']).not.toBe(loader.headers['etag']);
    // No way out of the folder, whatever the path says.
    for (const file of [
      '/chorus/../../package.json',
      '/chorus/%2e%2e/chorus.js',
      '/chorus-i18n/../chorus.js',
    ])
      expect((await rawRequest(file, 'br')).status, file).toBe(404);
    // A file the build did not compress is sent as it is, still varying by encoding.
    const pack = await rawRequest('/chorus-i18n/fr.0123abcd.json', 'br, gzip');
    expect(pack.headers['content-encoding']).toBeUndefined();
    expect(pack.headers['vary']).toBe('Accept-Encoding');
    expect(JSON.parse(pack.body.toString())).toEqual({ send: 'Envoyer' });
  });
});

/** One request with node:http, which (unlike fetch) leaves the body as it was sent. */
async function rawRequest(
  file: string,
  acceptEncoding: string | undefined,
): Promise<{
  status: number | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}> {
  return new Promise((resolve, reject) => {
    request(
      // The path as written: a URL string would resolve `..` before it left.
      {
        host: '127.0.0.1',
        port: new URL(base).port,
        path: file,
        headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    )
      .on('error', reject)
      .end();
  });
}

describe('the operator inbox at /inbox/', () => {
  it('serves the page under the strict CSP of the demo pages, with no referrer and no caching', async () => {
    const response = await fetch(`${base}/inbox/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe(DEMO_CONTENT_SECURITY_POLICY);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INBOX_PAGE);
  });

  it('leads /inbox to /inbox/, keeping the fragment with the browser', async () => {
    const response = await fetch(`${base}/inbox`, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('/inbox/');
  });

  it('serves its content-hashed script for a year, and nothing that is not there', async () => {
    const script = await fetch(`${base}/inbox/assets/index-HsdWxlIE.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-security-policy')).toBe(DEMO_CONTENT_SECURITY_POLICY);
    for (const file of ['/inbox/assets/other-12345678.js', '/inbox/%2e%2e/widget/chorus.js'])
      expect((await fetch(`${base}${file}`)).status, file).toBe(404);
  });
});
