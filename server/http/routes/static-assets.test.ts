import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONTENT_SECURITY_POLICY, staticAssetRoutes } from './static-assets.ts';

const INBOX_PAGE =
  '<!doctype html><title>Chorus inbox</title><script type="module" src="/inbox/assets/index-HsdWxlIE.js"></script><chorus-inbox></chorus-inbox>';

let directory: string;
let server: Server;
let base: string;

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'chorus-static-'));
  const widgetDir = path.join(directory, 'widget');
  await mkdir(path.join(widgetDir, 'chorus-i18n'), { recursive: true });
  await mkdir(path.join(directory, 'demo'));
  await writeFile(path.join(widgetDir, 'chorus.js'), 'void 0;');
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

  it('serves the unhashed pack and the bundle with a short cache, and nothing else of the folder', async () => {
    for (const file of ['/chorus-i18n/fr.json', '/chorus.js']) {
      const response = await fetch(`${base}${file}`);
      expect(response.status, file).toBe(200);
      expect(response.headers.get('cache-control'), file).toBe('public, max-age=300');
      expect(response.headers.get('access-control-allow-origin'), file).toBe('*');
    }
    for (const file of [
      '/chorus-i18n/de.json',
      '/chorus-i18n/',
      '/chorus-i18n/%2e%2e%2fchorus.js',
      '/chorus.js.gz',
    ]) {
      expect((await fetch(`${base}${file}`)).status, file).toBe(404);
    }
  });
});

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
