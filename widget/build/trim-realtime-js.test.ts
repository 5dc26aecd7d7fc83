/**
 * Guards the widget build's stand-ins for parts of realtime-js (trim-realtime-js.ts) against
 * realtime-js upgrades: when one of these fails, review the stand-ins against the new release
 * before updating the expectations.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpEndpointURL } from './realtime-js-stand-ins/transformers.ts';
import {
  REALTIME_JS_MODULE_DIR,
  REALTIME_JS_STAND_INS,
  replacedModuleOf,
  standInPath,
  trimRealtimeJs,
  type ReplacedModule,
} from './trim-realtime-js.ts';

const packageJsonPath = createRequire(import.meta.url).resolve(
  '@supabase/realtime-js/package.json',
);
const packageDir = path.dirname(packageJsonPath);
const moduleDir = path.join(
  packageDir,
  REALTIME_JS_MODULE_DIR.replace('@supabase/realtime-js/', ''),
);
const REPLACED = Object.keys(REALTIME_JS_STAND_INS) as ReplacedModule[];

async function realModule(module: ReplacedModule): Promise<Record<string, unknown>> {
  return (await import(path.join(moduleDir, module))) as Record<string, unknown>;
}

describe('the realtime-js modules the widget build replaces', () => {
  it("are where the plugin looks for them: the package's ES module build", () => {
    const { module } = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { module: string };
    expect(path.join(packageDir, path.dirname(module))).toBe(path.resolve(moduleDir));
    for (const replaced of REPLACED)
      expect(existsSync(path.join(moduleDir, replaced)), replaced).toBe(true);
  });

  it.each(REPLACED)('%s exports the same names as its stand-in', async (module) => {
    const real = Object.keys(await realModule(module)).sort();
    const standIn = Object.keys((await import(standInPath(module))) as object);
    // The plugin's re-export adds `default` to the stand-in's named exports where the real module has one.
    const rebuilt = [
      ...standIn.filter((name) => name !== 'default'),
      ...(REALTIME_JS_STAND_INS[module].hasDefault ? ['default'] : []),
    ].sort();
    expect(rebuilt).toEqual(real);
  });

  it('are used by the rest of realtime-js only as reviewed', async () => {
    // Every name the replaced modules export (and the static members of WebSocketFactory), found in
    // realtime-js's other modules. Each use below was checked to be safe with the stand-ins:
    // - httpEndpointURL: kept, agrees with the real one (below);
    // - convertChangeData: only for postgres_changes payloads, which the widget never subscribes to;
    // - RealtimePostgresFilterBuilder: an `instanceof` test and re-exports, never constructed;
    // - postgresChangesFilter: re-exports only;
    // - WebSocketFactory.getWebSocketConstructor: RealtimeClient, when no `transport` is given;
    // - the default export of lib/serializer: RealtimeClient builds one and binds its encode and
    //   decode, which it uses only for vsn 2.0.0 (the widget asks for 1.0.0, realtime-channel.ts).
    const names = new Set<string>();
    for (const module of REPLACED)
      for (const name of Object.keys(await realModule(module)))
        if (name !== 'default') names.add(name);
    const factory = (await realModule('lib/websocket-factory.js')).WebSocketFactory as object;
    for (const member of Object.getOwnPropertyNames(factory))
      if (!['length', 'name', 'prototype'].includes(member)) names.add(member);
    const token = new RegExp(`\\b(${[...names].join('|')})\\b`, 'g');
    const importOf = new RegExp(
      `from '[./]*(${REPLACED.map((module) => module.replace(/\.js$/, '')).join('|')})'`,
      'g',
    );

    const uses = new Set<string>();
    for (const file of readdirSync(moduleDir, { recursive: true, encoding: 'utf8' })) {
      const relative = file.replaceAll('\\', '/');
      if (!relative.endsWith('.js') || REPLACED.includes(relative as ReplacedModule)) continue;
      const source = readFileSync(path.join(moduleDir, file), 'utf8');
      for (const [, name] of source.matchAll(token)) uses.add(`${relative}: ${name}`);
      for (const [, imported] of source.matchAll(importOf))
        uses.add(`${relative}: imports ${imported}`);
    }
    expect([...uses].sort()).toEqual([
      'RealtimeChannel.js: RealtimePostgresFilterBuilder',
      'RealtimeChannel.js: convertChangeData',
      'RealtimeChannel.js: httpEndpointURL',
      'RealtimeChannel.js: imports RealtimePostgresFilterBuilder',
      'RealtimeChannel.js: imports lib/transformers',
      'RealtimeChannel.js: postgresChangesFilter',
      'RealtimeClient.js: WebSocketFactory',
      'RealtimeClient.js: getWebSocketConstructor',
      'RealtimeClient.js: httpEndpointURL',
      'RealtimeClient.js: imports lib/serializer',
      'RealtimeClient.js: imports lib/transformers',
      'RealtimeClient.js: imports lib/websocket-factory',
      'index.js: RealtimePostgresFilterBuilder',
      'index.js: WebSocketFactory',
      'index.js: imports lib/websocket-factory',
      'index.js: postgresChangesFilter',
    ]);
  });
});

describe('the stand-in httpEndpointURL', () => {
  it.each([
    'ws://localhost:3000/realtime/v1/websocket',
    'ws://localhost:3000/realtime/v1/websocket?apikey=anon&vsn=1.0.0',
    'wss://abc.supabase.co/realtime/v1/websocket?apikey=anon&vsn=2.0.0',
    'ws://127.0.0.1:4000/socket/websocket',
    'ws://127.0.0.1:4000/socket/websocket/',
    'wss://example.com/socket',
    'wss://example.com/websocket//',
    'wss://example.com/realtime/v1/',
    'wss://example.com/realtime/v1///',
    'wss://example.com',
    'wss://example.com/',
    'WSS://Example.COM/Socket/WebSocket',
    'ws://example.com:8443/x/websocket/socket/websocket',
    'ws://example.com//socket',
    'ws://example.com/chat/realtime/v1/websocket#fragment',
    'http://example.com/realtime/v1/websocket',
    'https://example.com/realtime/v1',
  ])('agrees with realtime-js on %s', async (url) => {
    const real = (await realModule('lib/transformers.js')).httpEndpointURL as (
      url: string,
    ) => string;
    expect(httpEndpointURL(url)).toBe(real(url));
  });

  it('throws on what is not a URL, as realtime-js does', async () => {
    const real = (await realModule('lib/transformers.js')).httpEndpointURL as (
      url: string,
    ) => string;
    expect(() => real('not a url')).toThrow(TypeError);
    expect(() => httpEndpointURL('not a url')).toThrow(TypeError);
  });
});

describe('the stand-ins', () => {
  it('fail clearly when postgres_changes is used', async () => {
    const transformers = await import('./realtime-js-stand-ins/transformers.ts');
    const builder = await import('./realtime-js-stand-ins/realtime-postgres-filter-builder.ts');
    expect(() => transformers.convertChangeData()).toThrow(
      'postgres_changes is not part of the Chorus widget build',
    );
    expect(() => builder.postgresChangesFilter()).toThrow(
      'postgres_changes is not part of the Chorus widget build',
    );
    expect(() => new builder.RealtimePostgresFilterBuilder()).toThrow(
      'postgres_changes is not part of the Chorus widget build',
    );
  });

  afterEach(() => vi.unstubAllGlobals());

  it('give the global WebSocket as the transport', async () => {
    const { WebSocketFactory } = await import('./realtime-js-stand-ins/websocket-factory.ts');
    const BrowserWebSocket = class {};
    vi.stubGlobal('WebSocket', BrowserWebSocket);
    expect(WebSocketFactory.getWebSocketConstructor()).toBe(BrowserWebSocket);
  });
});

describe('trimRealtimeJs', () => {
  it("replaces exactly the listed modules of realtime-js's ES module build", () => {
    expect(replacedModuleOf(path.join(moduleDir, 'lib/transformers.js'))).toBe(
      'lib/transformers.js',
    );
    expect(
      replacedModuleOf(
        'C:\\app\\node_modules\\@supabase\\realtime-js\\dist\\module\\lib\\websocket-factory.js',
      ),
    ).toBe('lib/websocket-factory.js');
    expect(
      replacedModuleOf(
        '/app/node_modules/@supabase/realtime-js/dist/module/RealtimePostgresFilterBuilder.js?v=1',
      ),
    ).toBe('RealtimePostgresFilterBuilder.js');
    expect(
      replacedModuleOf('/app/node_modules/@supabase/realtime-js/dist/main/lib/transformers.js'),
    ).toBeUndefined();
    expect(
      replacedModuleOf('/app/node_modules/@supabase/realtime-js/dist/module/RealtimeChannel.js'),
    ).toBeUndefined();
    expect(replacedModuleOf('/app/widget/room/transformers.js')).toBeUndefined();
  });

  it('loads a replaced module as a re-export of its stand-in', () => {
    const plugin = trimRealtimeJs();
    const load = plugin.load as (id: string) => string | null;
    expect(load(path.join(moduleDir, 'lib/websocket-factory.js'))).toBe(
      `export * from ${JSON.stringify(standInPath('lib/websocket-factory.js'))};\nexport { default } from ${JSON.stringify(standInPath('lib/websocket-factory.js'))};\n`,
    );
    expect(load(path.join(moduleDir, 'RealtimeClient.js'))).toBeNull();
  });
});
