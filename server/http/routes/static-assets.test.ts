import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticAssetRoutes } from './static-assets.ts';

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
