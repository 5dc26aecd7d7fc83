// The widget build drops the logging of realtime-js and Phoenix (drop-realtime-logging.ts): this
// checks its premise (the widget's client has no logger) and that nothing else is touched.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RealtimeClient } from '@supabase/realtime-js';
import { describe, expect, it, vi } from 'vitest';
import { createRealtimeChannel } from '../room/realtime-channel.ts';
import { dropLogging } from './drop-realtime-logging.ts';

const made = vi.hoisted(() => [] as RealtimeClient[]);
vi.mock('@supabase/realtime-js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@supabase/realtime-js')>();
  class RecordingClient extends real.RealtimeClient {
    constructor(...args: ConstructorParameters<typeof real.RealtimeClient>) {
      super(...args);
      made.push(this);
    }
  }
  return { ...real, RealtimeClient: RecordingClient };
});

const require = createRequire(import.meta.url);
const phoenix = fileURLToPath(import.meta.resolve('@supabase/phoenix'));
const realtimeJs = path.join(
  path.dirname(require.resolve('@supabase/realtime-js/package.json')),
  'dist/module',
);
const modules = [
  phoenix,
  ...readdirSync(realtimeJs, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => path.join(realtimeJs, file)),
];

describe('the logging left out of the widget build', () => {
  it('is dead in the widget: its realtime-js client and Phoenix socket have no logger', () => {
    createRealtimeChannel({
      url: 'ws://127.0.0.1:9/realtime/v1',
      apikey: 'anon',
      token: 'token',
      roomId: 'lobby',
      presenceKey: 'guest:1',
      reconnectAfterMs: () => 1_000,
      transport: class {},
    });
    const client = made.at(-1)!;
    expect(client.hasLogger()).toBe(false);
    // The Phoenix socket under it (not in realtime-js's types).
    const { socketAdapter } = client as unknown as {
      socketAdapter: { getSocket(): { hasLogger(): boolean } };
    };
    expect(socketAdapter.getSocket().hasLogger()).toBe(false);
  });

  it('changes only the logging calls: hasLogger() is false, log calls are marked pure', () => {
    let changed = 0;
    for (const file of modules) {
      const source = readFileSync(file, 'utf8');
      const dropped = dropLogging(source);
      if (dropped !== source) changed++;
      // Only the two changes: the markers, and `false` for each hasLogger() call site.
      expect(
        dropped.replace(/\/\* @__PURE__ \*\/ (?=this(?:\.socket|\.socketAdapter)?\.log\()/g, ''),
      ).toBe(source.replace(/\bthis(?:\.socket)?\.hasLogger\(\)/g, 'false'));
      expect(dropped).not.toMatch(/\bthis(?:\.socket)?\.hasLogger\(\)/);
      expect(dropped.match(/\.log\(/g)?.length ?? 0).toBe(source.match(/\.log\(/g)?.length ?? 0);
    }
    expect(changed).toBeGreaterThanOrEqual(4); // Phoenix, RealtimeClient, RealtimeChannel, the socket adapter
  });

  it('leaves the definitions and console calls alone', () => {
    expect(dropLogging('log(kind, msg) { this.logger && this.logger(kind, msg); }')).toBe(
      'log(kind, msg) { this.logger && this.logger(kind, msg); }',
    );
    expect(dropLogging('if (this.socket.hasLogger()) this.socket.log("channel", `x ${a}`);')).toBe(
      'if (false) /* @__PURE__ */ this.socket.log("channel", `x ${a}`);',
    );
    expect(dropLogging('console.log("kept")')).toBe('console.log("kept")');
  });
});
